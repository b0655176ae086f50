using Sawmill.Testing;

namespace Sawmill.Agent.Tests.EndToEnd;

/// <summary>
/// The agent process is killed with SIGKILL mid-stream and restarted on the same positions file: every line arrives,
/// and the only duplicates are the lines of the one batch that the server acknowledged just before the kill but
/// whose position was not yet saved (lines are timestamped at read time, so the server cannot deduplicate them).
/// </summary>
[Collection("end-to-end")]
public sealed class CrashEndToEndTests : IAsyncLifetime
{
    private const int BatchSize = 4096;
    private readonly string _dir = Directory.CreateTempSubdirectory("agent-e2e-kill-").FullName;
    private SawmillProcess _server = null!;

    public async Task InitializeAsync() => _server = await SawmillProcess.StartAsync();

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task Agent_killed_with_SIGKILL_resumes_from_saved_positions_losing_nothing_and_repeating_at_most_one_batch()
    {
        var logs = Directory.CreateDirectory(Path.Combine(_dir, "logs")).FullName;
        var config = E2E.WriteConfig(_dir, E2E.Config(_dir, _server.BaseAddress, Path.Combine(logs, "*.log"), batchSize: BatchSize));
        using var a = E2E.OpenAppend(Path.Combine(logs, "a.log"));
        using var b = E2E.OpenAppend(Path.Combine(logs, "b.log"));
        using var http = _server.CreateClient();
        var seq = 0;
        var writes = 0;
        void Write(int n)
        {
            // Two files, written in turn, so that both positions matter.
            E2E.Append(writes++ % 2 == 0 ? a : b, "kill", seq, n);
            seq += n;
        }

        var agent = await AgentProcess.StartAsync(config);
        try
        {
            // Keep writing while the agent ships, and kill it once a good part has arrived (batches are in flight).
            var arrived = 0;
            while (arrived < 800)
            {
                Write(40);
                await Task.Delay(20);
                if (seq % 400 == 0)
                    arrived = E2E.Counts(await E2E.QueryAsync(http, "{job=\"e2e\"}"), "kill").Count;
            }
            Write(40);
            agent.Kill();
            var outputBefore = agent.Output;
            await agent.DisposeAsync();
            for (var i = 0; i < 20; i++)
                Write(40);
            var stored = E2E.Counts(await E2E.QueryAsync(http, "{job=\"e2e\"}"), "kill").Count;
            Assert.True(stored < seq, "the kill came too late to test anything");

            agent = await AgentProcess.StartAsync(config);
            for (var i = 0; i < 10; i++)
                Write(40);
            var counts = await E2E.WaitForAllAsync(http, "{job=\"e2e\"}", "kill", seq, TimeSpan.FromSeconds(90), () => outputBefore + "\n--- after restart ---\n" + agent.Output);
            await E2E.WaitUntilSettledAsync(_dir, logs, () => agent.Output);
            counts = E2E.Counts(await E2E.QueryAsync(http, "{job=\"e2e\"}"), "kill");
            Assert.Equal(seq, counts.Count);
            // One batch holds at most BatchSize bytes of lines plus the line that crossed the limit.
            var maxBatchLines = BatchSize / E2E.Line("kill", 0).Length + 1;
            var duplicates = counts.Values.Sum(c => c - 1);
            Assert.True(duplicates <= maxBatchLines, $"{duplicates} duplicated lines; one batch holds at most {maxBatchLines}");
        }
        finally
        {
            await agent.DisposeAsync();
        }
    }
}
