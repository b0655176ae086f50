using Sawmill.Testing;

namespace Sawmill.Agent.Tests.EndToEnd;

/// <summary>
/// The server process is stopped while the application keeps writing, then restarted on the same port and data
/// directory: the agent spills to disk meanwhile and delivers every line exactly once when the server is back.
/// </summary>
[Collection("end-to-end")]
public sealed class OutageEndToEndTests : IAsyncLifetime
{
    private readonly string _dir = Directory.CreateTempSubdirectory("agent-e2e-outage-").FullName;
    private readonly string _data = Directory.CreateTempSubdirectory("agent-e2e-outage-data-").FullName;
    private SawmillProcess _server = null!;

    public async Task InitializeAsync() => _server = await SawmillProcess.StartAsync(dataDir: _data);

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
        Directory.Delete(_data, recursive: true);
    }

    [Fact]
    public async Task Server_outage_spills_to_disk_and_every_line_arrives_once_when_the_server_is_back()
    {
        var logs = Directory.CreateDirectory(Path.Combine(_dir, "logs")).FullName;
        using var fs = E2E.OpenAppend(Path.Combine(logs, "app.log"));
        await using var agent = await AgentProcess.StartAsync(E2E.WriteConfig(_dir, E2E.Config(_dir, _server.BaseAddress, Path.Combine(logs, "*.log"))));
        E2E.Append(fs, "out", 0, 200);
        using (var http = _server.CreateClient())
            await E2E.WaitForAllAsync(http, "{job=\"e2e\"}", "out", 200, TimeSpan.FromSeconds(60), () => agent.Output);

        var port = _server.BaseAddress.Port;
        await _server.StopAsync();
        var seq = 200;
        for (var i = 0; i < 30; i++)
        {
            E2E.Append(fs, "out", seq, 50);
            seq += 50;
            await Task.Delay(30);
        }
        // Batches the server could not take are on disk, not in memory.
        await E2E.WaitUntilAsync(async () => await agent.MetricSumAsync("sawmill_agent_spilled_batches_total") > 0, "spilled batches");
        Assert.Contains(Directory.EnumerateFiles(Path.Combine(_dir, "sawmill-spill"), "*", SearchOption.AllDirectories), _ => true);

        await _server.DisposeAsync();
        _server = await SawmillProcess.StartAsync(["-server.http-listen-port=" + port], dataDir: _data);
        Assert.Equal(port, _server.BaseAddress.Port);
        E2E.Append(fs, "out", seq, 100);
        seq += 100;

        using var client = _server.CreateClient();
        var counts = await E2E.WaitForAllAsync(client, "{job=\"e2e\"}", "out", seq, TimeSpan.FromSeconds(90), () => agent.Output);
        Assert.Equal(seq, counts.Count);
        Assert.All(counts, kv => Assert.True(kv.Value == 1, $"seq {kv.Key} arrived {kv.Value} times"));
        await E2E.WaitUntilAsync(async () => await agent.MetricSumAsync("sawmill_agent_spill_pending_batches") == 0, "the spill buffer to drain");
        // Lines keep their read order across the outage (spilled batches go first, in order).
        var seqs = (await E2E.QueryAsync(client, "{job=\"e2e\"}")).Select(e => E2E.SeqOf(e.Line)).ToList();
        Assert.Equal(Enumerable.Range(0, seq), seqs);
    }
}
