using Sawmill.Testing;

namespace Sawmill.Agent.Tests.EndToEnd;

/// <summary>
/// A real server and a real agent process: a file rotated by rename-and-create (logrotate's default, with the
/// application still writing to the old file for a moment) and by copytruncate loses and duplicates nothing.
/// </summary>
[Collection("end-to-end")]
public sealed class RotationEndToEndTests : IAsyncLifetime
{
    private readonly string _dir = Directory.CreateTempSubdirectory("agent-e2e-rot-").FullName;
    private SawmillProcess _server = null!;

    public async Task InitializeAsync() => _server = await SawmillProcess.StartAsync();

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task Rename_and_create_rotation_loses_and_duplicates_nothing()
    {
        var logs = Directory.CreateDirectory(Path.Combine(_dir, "logs")).FullName;
        var file = Path.Combine(logs, "app.log");
        var fs = E2E.OpenAppend(file);
        E2E.Append(fs, "rot", 0, 300);
        await using var agent = await AgentProcess.StartAsync(E2E.WriteConfig(_dir, E2E.Config(_dir, _server.BaseAddress, Path.Combine(logs, "*.log"))));
        using var http = _server.CreateClient();
        var seq = 300;
        for (var round = 0; round < 3; round++)
        {
            E2E.Append(fs, "rot", seq, 200);
            seq += 200;
            // logrotate renames the file; the application keeps writing to its open descriptor until it reopens.
            File.Move(file, Path.Combine(logs, $"app.log.{round + 1}.old"));
            E2E.Append(fs, "rot", seq, 50);
            seq += 50;
            await Task.Delay(100);
            E2E.Append(fs, "rot", seq, 50);
            seq += 50;
            fs.Dispose();
            fs = E2E.OpenAppend(file);
            E2E.Append(fs, "rot", seq, 100);
            seq += 100;
            // The next rotation comes once this one is shipped (rotations are hours apart, not milliseconds).
            await E2E.WaitForAllAsync(http, "{job=\"e2e\"}", "rot", seq, TimeSpan.FromSeconds(60), () => agent.Output);
        }
        E2E.Append(fs, "rot", seq, 100);
        seq += 100;
        fs.Dispose();

        var counts = await E2E.WaitForAllAsync(http, "{job=\"e2e\"}", "rot", seq, TimeSpan.FromSeconds(90), () => agent.Output);
        Assert.Equal(seq, counts.Count);
        Assert.All(counts, kv => Assert.True(kv.Value == 1, $"seq {kv.Key} arrived {kv.Value} times"));
        // The renamed files do not match *.log: every line came from the path app.log.
        var entries = await E2E.QueryAsync(http, "{job=\"e2e\"}");
        Assert.All(entries, e => Assert.Equal(file, e.Labels["filename"]));
    }

    [Fact]
    public async Task Copytruncate_rotation_loses_and_duplicates_nothing()
    {
        var logs = Directory.CreateDirectory(Path.Combine(_dir, "logs")).FullName;
        var file = Path.Combine(logs, "app.log");
        using var fs = E2E.OpenAppend(file);
        E2E.Append(fs, "ct", 0, 300);
        await using var agent = await AgentProcess.StartAsync(E2E.WriteConfig(_dir, E2E.Config(_dir, _server.BaseAddress, Path.Combine(logs, "*.log"))));
        using var http = _server.CreateClient();
        var seq = 300;
        for (var round = 0; round < 3; round++)
        {
            E2E.Append(fs, "ct", seq, 400);
            seq += 400;
            // copytruncate copies what the file holds and truncates it in place; a line written between the two
            // is lost by logrotate itself, so (like logrotate's users) the writer pauses: wait until the agent has
            // read everything, then copy and truncate.
            await E2E.WaitForAllAsync(http, "{job=\"e2e\"}", "ct", seq, TimeSpan.FromSeconds(60), () => agent.Output);
            File.Copy(file, Path.Combine(logs, $"app.log.{round + 1}.old"));
            fs.SetLength(0);
            // The application writes with O_APPEND: its next write lands at the new end (0).
            E2E.Append(fs, "ct", seq, 30);
            seq += 30;
            await Task.Delay(300);
        }
        E2E.Append(fs, "ct", seq, 100);
        seq += 100;

        var counts = await E2E.WaitForAllAsync(http, "{job=\"e2e\"}", "ct", seq, TimeSpan.FromSeconds(90), () => agent.Output);
        await E2E.WaitUntilSettledAsync(_dir, logs, () => agent.Output);
        counts = E2E.Counts(await E2E.QueryAsync(http, "{job=\"e2e\"}"), "ct");
        Assert.Equal(seq, counts.Count);
        Assert.All(counts, kv => Assert.True(kv.Value == 1, $"seq {kv.Key} arrived {kv.Value} times"));
    }
}
