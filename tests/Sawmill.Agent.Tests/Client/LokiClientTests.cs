using Microsoft.Extensions.Logging.Abstractions;
using Sawmill.Agent.Client;
using Sawmill.Agent.Config;
using Sawmill.Agent.Positions;
using Sawmill.Agent.Stages;

namespace Sawmill.Agent.Tests.Client;

public sealed class LokiClientTests : IAsyncLifetime
{
    private readonly string _dir = Directory.CreateTempSubdirectory("client-").FullName;
    private FakeReceiver _receiver = null!;
    private PositionsFile _positions = null!;
    private readonly AgentMetrics _metrics = new();

    public async Task InitializeAsync()
    {
        _receiver = await FakeReceiver.StartAsync();
        _positions = PositionsFile.Open(Path.Combine(_dir, "positions.yaml"), false);
    }

    public async Task DisposeAsync()
    {
        await _receiver.DisposeAsync();
        Directory.Delete(_dir, true);
    }

    private LokiClient Client(TimeSpan? batchWait = null, long batchSize = 1 << 20) => new(new ClientConfig
    {
        Url = _receiver.Url,
        BatchWait = batchWait ?? TimeSpan.FromMilliseconds(50),
        BatchSize = batchSize,
        Backoff = new BackoffConfig(TimeSpan.FromMilliseconds(10), TimeSpan.FromMilliseconds(40), 10),
        TenantId = "team",
    }, _metrics, _positions, Path.Combine(_dir, "spill"), NullLogger.Instance);

    private async Task WriteLinesAsync(LokiClient client, PositionTracker tracker, int from, int count)
    {
        for (var i = from; i < from + count; i++)
        {
            var e = new PipelineEntry(new Dictionary<string, string> { ["job"] = "t" }, 1_700_000_000_000_000_000 + i, "line " + i);
            e.Tokens.Add(tracker.Issue((i + 1) * 10));
            await client.WriteAsync(e, CancellationToken.None);
        }
    }

    private static async Task WaitUntil(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException("timed out waiting for " + what);
            await Task.Delay(20);
        }
    }

    [Fact]
    public async Task Retries_429_and_5xx_then_delivers_once_and_saves_the_position()
    {
        _receiver.Script.Enqueue(429);
        _receiver.Script.Enqueue(503);
        _receiver.Script.Enqueue(500);
        await using var client = Client();
        var tracker = new PositionTracker(_positions, "/f");
        await WriteLinesAsync(client, tracker, 0, 5);
        await WaitUntil(() => _receiver.Lines.Count == 5, "delivery");
        Assert.Equal(["line 0", "line 1", "line 2", "line 3", "line 4"], _receiver.Lines);
        Assert.Equal("team", _receiver.Accepted.Single().Tenant);
        Assert.Equal("{job=\"t\"}", _receiver.Accepted.Single().Entries[0].Labels);
        await WaitUntil(() => File.Exists(_positions.FilePath) && File.ReadAllText(_positions.FilePath).Contains("\"/f\": \"50\""), "saved position");
        Assert.Equal(4, _receiver.Requests);
        Assert.Contains("promtail_batch_retries_total{host=", _metrics.Expose());
    }

    [Fact]
    public async Task A_400_drops_the_batch_with_a_counted_reason_and_moves_on()
    {
        _receiver.Script.Enqueue(400);
        await using var client = Client();
        var tracker = new PositionTracker(_positions, "/f");
        await WriteLinesAsync(client, tracker, 0, 3);
        await WaitUntil(() => _positions.Get("/f") == 30, "position after drop");
        Assert.Empty(_receiver.Lines);
        Assert.Equal(1, _receiver.Requests);
        Assert.Contains("promtail_dropped_entries_total{host=", _metrics.Expose());
        Assert.Contains("reason=\"ingester_error\",tenant=\"team\"} 3", _metrics.Expose());
        await WriteLinesAsync(client, tracker, 3, 2);
        await WaitUntil(() => _receiver.Lines.Count == 2, "later lines");
    }

    [Fact]
    public async Task During_an_outage_batches_spill_to_disk_and_arrive_in_order_afterwards()
    {
        _receiver.DefaultStatus = 503;
        var client = Client(batchWait: TimeSpan.FromMilliseconds(10), batchSize: 40);
        var tracker = new PositionTracker(_positions, "/f");
        // Far more batches than the in-memory queue holds; the writer must not block forever.
        await WriteLinesAsync(client, tracker, 0, 200);
        await WaitUntil(() => client.SpilledBatches > 0, "spill");
        await WaitUntil(() => _positions.Get("/f") > 0, "positions advance for spilled batches");
        Assert.NotEmpty(Directory.GetFiles(Path.Combine(_dir, "spill"), "*.batch"));
        _receiver.DefaultStatus = 204;
        await WaitUntil(() => _receiver.Lines.Count >= 200, "all lines after recovery");
        Assert.Equal(Enumerable.Range(0, 200).Select(i => "line " + i), _receiver.Lines);
        await WaitUntil(() => client.SpilledBatches == 0, "spill drained");
        await client.StopAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(2000, _positions.Get("/f"));
        await client.DisposeAsync();
    }

    [Fact]
    public async Task Shutdown_during_an_outage_spills_and_a_new_client_sends_the_spill_first()
    {
        _receiver.DefaultStatus = 503;
        var client = Client();
        var tracker = new PositionTracker(_positions, "/f");
        await WriteLinesAsync(client, tracker, 0, 10);
        await client.StopAsync(TimeSpan.FromMilliseconds(200));
        await client.DisposeAsync();
        Assert.Empty(_receiver.Lines);
        Assert.Equal(100, _positions.Get("/f")); // durable in the spill buffer
        _receiver.DefaultStatus = 204;
        await using var second = Client();
        await WaitUntil(() => _receiver.Lines.Count == 10, "spilled lines after restart");
        Assert.Equal(Enumerable.Range(0, 10).Select(i => "line " + i), _receiver.Lines);
    }
}
