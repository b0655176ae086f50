using Sawmill.Testing;

namespace Sawmill.Agent.Tests.EndToEnd;

/// <summary>
/// Pushes answered 429 and 5xx (by a proxy in front of a real server) are retried with growing back-off and then
/// delivered once; a 400 is not retried, and its drop is counted with a reason on the agent's /metrics.
/// </summary>
[Collection("end-to-end")]
public sealed class RetryEndToEndTests : IAsyncLifetime
{
    private readonly string _dir = Directory.CreateTempSubdirectory("agent-e2e-retry-").FullName;
    private SawmillProcess _server = null!;
    private FaultProxy _proxy = null!;

    public async Task InitializeAsync()
    {
        _server = await SawmillProcess.StartAsync();
        _proxy = await FaultProxy.StartAsync(_server.BaseAddress);
    }

    public async Task DisposeAsync()
    {
        await _proxy.DisposeAsync();
        await _server.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task Status_429_and_5xx_are_retried_with_backoff_then_every_line_arrives_once()
    {
        var logs = Directory.CreateDirectory(Path.Combine(_dir, "logs")).FullName;
        // The file is complete before the agent starts, so its lines travel as one batch: the retries counted below
        // are then exactly the scripted failures (a second batch racing the first could be retried too).
        using (var fs = E2E.OpenAppend(Path.Combine(logs, "app.log")))
            E2E.Append(fs, "retry", 0, 300);
        int[] failures = [429, 503, 500, 429, 502];
        foreach (var s in failures)
            _proxy.Script.Enqueue(s);
        await using var agent = await AgentProcess.StartAsync(E2E.WriteConfig(_dir, E2E.Config(_dir, _proxy.BaseAddress, Path.Combine(logs, "*.log"))));

        using var http = _server.CreateClient();
        var counts = await E2E.WaitForAllAsync(http, "{job=\"e2e\"}", "retry", 300, TimeSpan.FromSeconds(60), () => agent.Output);
        await E2E.WaitUntilSettledAsync(_dir, logs, () => agent.Output);
        counts = E2E.Counts(await E2E.QueryAsync(http, "{job=\"e2e\"}"), "retry");
        Assert.All(counts, kv => Assert.True(kv.Value == 1, $"seq {kv.Key} arrived {kv.Value} times"));

        var pushes = _proxy.Pushes.ToList();
        Assert.Equal(failures, pushes.Take(failures.Length).Select(p => p.Status));
        Assert.True(pushes.Count > failures.Length);
        // The first retry follows the failure at once (the batch moves to the spill buffer and is retried from
        // there); after that each wait is at least half of a back-off that starts at min_period (100ms) and doubles.
        var backoff = 100.0;
        for (var i = 2; i <= failures.Length; i++)
        {
            var gap = (pushes[i].At - pushes[i - 1].At).TotalMilliseconds;
            Assert.True(gap >= backoff / 2 - 5, $"retry {i} came {gap:F0}ms after the previous attempt; expected at least {backoff / 2}ms");
            backoff = Math.Min(backoff * 2, 800);
        }
        Assert.Equal(failures.Length, await agent.MetricSumAsync("promtail_batch_retries_total"));
        Assert.Equal(0, await agent.MetricSumAsync("promtail_dropped_entries_total"));
    }

    [Fact]
    public async Task Status_400_is_not_retried_and_the_dropped_entries_are_counted_with_a_reason()
    {
        var logs = Directory.CreateDirectory(Path.Combine(_dir, "logs")).FullName;
        await using var agent = await AgentProcess.StartAsync(E2E.WriteConfig(_dir, E2E.Config(_dir, _proxy.BaseAddress, Path.Combine(logs, "*.log"))));
        _proxy.Script.Enqueue(400);
        using var fs = E2E.OpenAppend(Path.Combine(logs, "app.log"));
        E2E.Append(fs, "bad", 0, 20);
        await E2E.WaitUntilAsync(async () => await agent.MetricSumAsync("promtail_dropped_entries_total") == 20, "20 dropped entries");
        Assert.Contains("reason=\"ingester_error\"", await agent.MetricsAsync());
        E2E.Append(fs, "good", 0, 10);
        using var http = _server.CreateClient();
        await E2E.WaitForAllAsync(http, "{job=\"e2e\"}", "good", 10, TimeSpan.FromSeconds(60), () => agent.Output);
        Assert.Empty(E2E.Counts(await E2E.QueryAsync(http, "{job=\"e2e\"}"), "bad"));
        Assert.Equal([400, 204], _proxy.Pushes.Select(p => p.Status).Take(2));
        Assert.Equal(0, await agent.MetricSumAsync("promtail_batch_retries_total"));
    }
}
