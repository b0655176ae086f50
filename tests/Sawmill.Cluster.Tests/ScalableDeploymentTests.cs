using System.Collections.Concurrent;
using System.Net.Http.Json;
using Sawmill.Testing;
using Xunit.Abstractions;

namespace Sawmill.Cluster.Tests;

/// <summary>
/// The simple scalable deployment end to end, with real processes: etcd, s3rver, write and read nodes. One scenario per
/// test (each starts its own cluster) so that CI time stays modest.
/// </summary>
public sealed class ScalableDeploymentTests(ITestOutputHelper output)
{
    private static readonly string[] Tenants = ["team-a", "team-b"];
    private const string Selector = "{job=\"load\"}";

    /// <summary>Pushes batches through the given write nodes until stopped, recording what each tenant had acknowledged.</summary>
    private sealed class Pusher
    {
        private long _seq;
        public readonly long BaseNs = (DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - 600_000) * 1_000_000;
        public readonly ConcurrentDictionary<string, ConcurrentBag<string>> Acked = new();
        public long Batches;

        public long EndNs => BaseNs + (Interlocked.Read(ref _seq) + 10) * 1000;

        public async Task RunAsync(SawmillProcess node, string tenant, CancellationToken stop)
        {
            using var http = node.CreateClient();
            http.Timeout = TimeSpan.FromSeconds(30);
            var bag = Acked.GetOrAdd(tenant, _ => []);
            while (!stop.IsCancellationRequested)
            {
                var batch = new List<(string, long, string)>();
                for (var i = 0; i < 40; i++)
                {
                    var seq = Interlocked.Increment(ref _seq);
                    batch.Add(($"{{\"job\":\"load\",\"stream\":\"s{seq % 8}\"}}", BaseNs + seq * 1000, $"tenant={tenant} seq={seq}"));
                }
                if (await ClusterHarness.PushAsync(http, tenant, batch))
                {
                    foreach (var (_, _, line) in batch)
                        bag.Add(line);
                    Interlocked.Increment(ref Batches);
                }
                else if (node.HasExited)
                {
                    return;
                }
            }
        }
    }

    private async Task AssertEveryAckedLineOnceAsync(SawmillProcess reader, Pusher pusher, string when)
    {
        foreach (var tenant in Tenants)
        {
            var lines = await ClusterHarness.LinesAsync(reader, tenant, Selector, pusher.BaseNs, pusher.EndNs);
            var seen = new HashSet<string>();
            foreach (var line in lines)
            {
                Assert.True(seen.Add(line), $"{when}: {line} returned twice by {reader.BaseAddress}");
                Assert.StartsWith($"tenant={tenant} ", line);
            }
            var acked = pusher.Acked[tenant];
            var missing = acked.Where(l => !seen.Contains(l)).Take(5).ToList();
            Assert.True(missing.Count == 0, $"{when}: {reader.BaseAddress} misses {acked.Count(l => !seen.Contains(l))} of {acked.Count} acknowledged lines of {tenant}, e.g. {string.Join(", ", missing)}");
            var count = await ClusterHarness.InstantValueAsync(reader, tenant, $"sum(count_over_time({Selector}[1h]))", pusher.EndNs);
            Assert.Equal(lines.Count, (long)count);
            output.WriteLine($"{when}: {reader.BaseAddress} returns all {acked.Count} acknowledged lines of {tenant} once ({lines.Count} stored)");
        }
    }

    [Fact]
    public async Task Replicated_writes_survive_a_kill_and_everything_reads_back_from_the_bucket()
    {
        // 3 write, 2 read and 1 backend node; the backend compacts the bucket every 2 s while all this goes on. Replaced
        // blocks stay long enough for the read nodes (resync every 1 s) to have moved to their replacement before they go,
        // even on a loaded machine: a shorter delay makes a query that started on the old view find its objects gone.
        await using var cluster = await ClusterHarness.StartAsync(replicationFactor: 3, extra: """
            compactor:
              compaction_interval: 2s
              retention_delete_delay: 20s
            """);
        cluster.Log = output.WriteLine;
        var writers = new List<SawmillProcess>();
        for (var i = 1; i <= 3; i++)
            writers.Add(await cluster.StartNodeAsync("write", $"write-{i}"));
        var readers = new List<SawmillProcess>();
        for (var i = 1; i <= 2; i++)
            readers.Add(await cluster.StartNodeAsync("read", $"read-{i}"));
        var backend = await cluster.StartNodeAsync("backend", "backend-1");
        await ClusterHarness.Eventually(async () => (await ClusterHarness.RingAsync(readers[0])).Values.Count(s => s == "ACTIVE") == 3, "3 active ingesters");

        // Push through every write node, both tenants; kill -9 one write node in the middle.
        var pusher = new Pusher();
        using (var stop = new CancellationTokenSource())
        {
            var tasks = writers.SelectMany(w => Tenants.Select(t => pusher.RunAsync(w, t, stop.Token))).ToList();
            await ClusterHarness.Eventually(() => Task.FromResult(Interlocked.Read(ref pusher.Batches) >= 60), "pushes acknowledged before the kill");
            writers[1].Kill();
            var killedAt = Interlocked.Read(ref pusher.Batches);
            await ClusterHarness.Eventually(() => Task.FromResult(Interlocked.Read(ref pusher.Batches) >= killedAt + 60), "pushes acknowledged after the kill");
            await stop.CancelAsync();
            await Task.WhenAll(tasks);
        }
        output.WriteLine($"{pusher.Batches} batches acknowledged");
        foreach (var r in readers)
            await AssertEveryAckedLineOnceAsync(r, pusher, "after kill -9 of write-2");

        // Another node given a live node's instance id does not start (it would overwrite that node's ring entry).
        var clash = await Assert.ThrowsAsync<InvalidOperationException>(() => cluster.StartNodeAsync("write", "write-1", cluster.DataDir("write-1-clash")));
        Assert.Contains("ring ingester already has a live instance write-1", clash.Message);

        // The killed node comes back on its data directory (at once, on another port: it takes its old ring entry over),
        // replays its WAL and rejoins; nothing is counted twice.
        writers[1] = await cluster.StartNodeAsync("write", "write-2", cluster.DataDir("write-2"));
        await ClusterHarness.Eventually(async () => (await ClusterHarness.RingAsync(readers[0])).Values.Count(s => s == "ACTIVE") == 3, "write-2 back in the ring");
        await AssertEveryAckedLineOnceAsync(readers[1], pusher, "after write-2 restarted");

        // A node that never comes back leaves the ring after the heartbeat timeout; its streams go to the others.
        writers[2].Kill();
        await ClusterHarness.Eventually(async () => !(await ClusterHarness.RingAsync(readers[0])).ContainsKey("write-3"), "write-3 removed from the ring", TimeSpan.FromSeconds(30));
        using (var stop = new CancellationTokenSource())
        {
            var before = Interlocked.Read(ref pusher.Batches);
            var tasks = writers.Take(2).SelectMany(w => Tenants.Select(t => pusher.RunAsync(w, t, stop.Token))).ToList();
            await ClusterHarness.Eventually(() => Task.FromResult(Interlocked.Read(ref pusher.Batches) >= before + 40), "pushes acknowledged by the remaining ring");
            await stop.CancelAsync();
            await Task.WhenAll(tasks);
        }
        await AssertEveryAckedLineOnceAsync(readers[0], pusher, "after write-3 left the ring");

        // Flush, stop every write node, and read everything back from the bucket through a fresh read node: write-1 with
        // Loki's /ingester/shutdown (flush, leave the ring, exit), write-2 with /flush and a SIGTERM.
        using (var http = writers[0].CreateClient())
        using (var shutdown = await http.PostAsync("/ingester/shutdown", null))
            Assert.Equal(System.Net.HttpStatusCode.NoContent, shutdown.StatusCode);
        await ClusterHarness.Eventually(() => Task.FromResult(writers[0].HasExited), "write-1 exits after /ingester/shutdown");
        Assert.False((await ClusterHarness.RingAsync(readers[0])).ContainsKey("write-1"));
        using (var http = writers[1].CreateClient())
        using (var flushed = await http.PostAsync("/flush", null))
            Assert.Equal(System.Net.HttpStatusCode.NoContent, flushed.StatusCode);
        await writers[1].StopAsync();
        var fresh = await cluster.StartNodeAsync("read", "read-fresh");
        Assert.Empty(await ClusterHarness.RingAsync(fresh));
        await AssertEveryAckedLineOnceAsync(fresh, pusher, "fresh read node, bucket only");

        // The backend merged the replicas the write nodes uploaded; reading through the fresh node again after further
        // compactor runs gives the same lines once.
        using (var http = backend.CreateClient())
            await ClusterHarness.Eventually(async () => (await http.GetStringAsync("/metrics")).Contains("sawmill_bucket_compactor_duplicates_merged_total ", StringComparison.Ordinal)
                && !(await http.GetStringAsync("/metrics")).Contains("sawmill_bucket_compactor_duplicates_merged_total 0", StringComparison.Ordinal), "the compactor merged replicas");
        await AssertEveryAckedLineOnceAsync(fresh, pusher, "fresh read node after compaction");

        // Tenants stay apart on every role: a tenant sees none of the other's streams or labels.
        using var other = fresh.CreateClient("team-c");
        // (Loki answers an empty label list without a data member.)
        Assert.Equal("{\"status\":\"success\"}", await other.GetStringAsync($"/loki/api/v1/labels?start={pusher.BaseNs}&end={pusher.EndNs}"));
    }

    [Fact]
    public async Task Long_range_queries_are_split_over_the_read_nodes_and_joined_exactly()
    {
        await using var cluster = await ClusterHarness.StartAsync(replicationFactor: 1, authEnabled: false, limits: "  split_queries_by_interval: 2m");
        cluster.Log = output.WriteLine;
        var writer = await cluster.StartNodeAsync("write", "write-1");
        var readers = new[] { await cluster.StartNodeAsync("read", "read-1"), await cluster.StartNodeAsync("read", "read-2") };
        await ClusterHarness.Eventually(async () => (await ClusterHarness.RingAsync(readers[0], "/querier/ring")).Count == 2, "both read nodes in the querier ring");

        // 20 minutes of entries, one every 3 s on each of two streams.
        var startNs = (DateTimeOffset.UtcNow.ToUnixTimeSeconds() / 60 * 60 - 1500) * 1_000_000_000L;
        var entries = new List<(string, long, string)>();
        for (var i = 0; i < 400; i++)
            foreach (var s in new[] { "a", "b" })
                entries.Add(($"{{\"job\":\"split\",\"s\":\"{s}\"}}", startNs + i * 3_000_000_000L, $"{s} {i}"));
        using (var http = writer.CreateClient())
            Assert.True(await ClusterHarness.PushAsync(http, "fake", entries));
        var endNs = startNs + 1200_000_000_000L;

        foreach (var reader in readers)
        {
            using var http = reader.CreateClient();
            // Metric query over 20 minutes at a 1-minute step: 10 pieces of 2 minutes, each minute counts 20 entries per stream.
            var url = $"/loki/api/v1/query_range?query={Uri.EscapeDataString("sum by (s) (count_over_time({job=\"split\"}[1m]))")}&start={startNs + 60_000_000_000L}&end={endNs}&step=60";
            using var doc = System.Text.Json.JsonDocument.Parse(await http.GetStringAsync(url));
            var result = doc.RootElement.GetProperty("data").GetProperty("result");
            Assert.Equal(2, result.GetArrayLength());
            foreach (var series in result.EnumerateArray())
            {
                var values = series.GetProperty("values").EnumerateArray().ToList();
                Assert.Equal(20, values.Count);
                foreach (var v in values)
                {
                    // count_over_time[1m] at t counts the stream's entries in (t-1m, t].
                    var t = (long)Math.Round(v[0].GetDouble() * 1000) * 1_000_000;
                    var want = entries.Count(e => e.Item1.Contains($"\"s\":\"{series.GetProperty("metric").GetProperty("s").GetString()}\"") && e.Item2 > t - 60_000_000_000L && e.Item2 <= t);
                    Assert.Equal(want.ToString(System.Globalization.CultureInfo.InvariantCulture), v[1].GetString());
                }
                Assert.Equal(values.Select(v => v[0].GetDouble()).Order(), values.Select(v => v[0].GetDouble()));
            }
            // Log query across pieces: the newest 150 entries, newest first, from both streams.
            var logs = $"/loki/api/v1/query_range?query={Uri.EscapeDataString("{job=\"split\"}")}&start={startNs}&end={endNs}&limit=150&direction=backward";
            using var logDoc = System.Text.Json.JsonDocument.Parse(await http.GetStringAsync(logs));
            var got = logDoc.RootElement.GetProperty("data").GetProperty("result").EnumerateArray()
                .SelectMany(st => st.GetProperty("values").EnumerateArray().Select(v => v[1].GetString()!)).Order().ToList();
            var expected = entries.OrderByDescending(e => e.Item2).ThenBy(e => e.Item3).Take(150).Select(e => e.Item3).Order().ToList();
            Assert.Equal(expected, got);
        }
        // The pieces ran on both read nodes.
        using var metrics = readers[0].CreateClient();
        var text = await metrics.GetStringAsync("/metrics");
        Assert.Matches("sawmill_query_frontend_subqueries_total\\{where=\"remote\"\\} [1-9]", text);
        Assert.Matches("sawmill_query_frontend_subqueries_total\\{where=\"local\"\\} [1-9]", text);
    }

    [Fact]
    public async Task Backends_compact_the_replicas_apply_retention_and_run_each_rule_group_once()
    {
        var rules = Directory.CreateTempSubdirectory("sawmill-cluster-rules-").FullName;
        try
        {
            Directory.CreateDirectory(Path.Combine(rules, "fake"));
            await File.WriteAllTextAsync(Path.Combine(rules, "fake", "alerts.yaml"), """
                groups:
                  - name: errors
                    interval: 1s
                    rules:
                      - alert: ErrorsSeen
                        expr: sum(count_over_time({job="rules"} |= "error" [10m])) > 0
                        labels:
                          severity: page
                """);
            // A longer heartbeat timeout: the compactor lease's TTL, which a loaded machine must not let lapse between renewals.
            // Replaced blocks outlive the read node's view of them (see the kill test).
            await using var cluster = await ClusterHarness.StartAsync(replicationFactor: 3, authEnabled: false, limits: "  retention_period: 48h", heartbeatTimeout: "15s", extra: $$"""
                compactor:
                  compaction_interval: 1s
                  retention_enabled: true
                  retention_delete_delay: 20s
                  delete_request_cancel_period: 2s
                ruler:
                  storage:
                    type: local
                    local:
                      directory: {{rules}}
                  evaluation_interval: 1s
                  poll_interval: 1s
                """);
            cluster.Log = output.WriteLine;
            var writers = new List<SawmillProcess>();
            for (var i = 1; i <= 3; i++)
                writers.Add(await cluster.StartNodeAsync("write", $"write-{i}"));
            var reader = await cluster.StartNodeAsync("read", "read-1");
            var backends = new[] { await cluster.StartNodeAsync("backend", "backend-1"), await cluster.StartNodeAsync("backend", "backend-2") };
            await ClusterHarness.Eventually(async () => (await ClusterHarness.RingAsync(backends[0], "/backend/ring")).Count == 2, "both backends in the backend ring");

            // Three days of entries, replicated to the three write nodes, then flushed to the bucket.
            var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1_000_000;
            var entries = new List<(string, long, string)>();
            for (var i = 0; i < 72; i++)
                entries.Add(("{\"job\":\"old\"}", now - (72 - i) * 3_600_000_000_000L, $"hour {i}"));
            using (var http = writers[0].CreateClient())
                Assert.True(await ClusterHarness.PushAsync(http, "fake", entries));
            foreach (var w in writers)
            {
                using var http = w.CreateClient();
                using var flushed = await http.PostAsync("/flush", null);
                Assert.Equal(System.Net.HttpStatusCode.NoContent, flushed.StatusCode);
            }
            // Queries hide what is past the retention period before any compaction… (The flushed blocks older than
            // query_ingesters_within reach the read node with its next bucket sync, as in Loki, hence the wait.)
            var expectedVisible = entries.Where(e => e.Item2 > now - 48 * 3_600_000_000_000L).Select(e => e.Item3).Order().ToList();
            List<string> visible = [];
            await ClusterHarness.Eventually(async () =>
            {
                visible = await ClusterHarness.LinesAsync(reader, "fake", "{job=\"old\"}", now - 80 * 3_600_000_000_000L, now);
                return visible.Order().SequenceEqual(expectedVisible);
            }, "the read node answers with the lines inside the retention period");

            // …and the backend holding the compactor lease removes it from the bucket and merges the three replicas into
            // one copy: the bucket ends up with compacted blocks only, holding each kept entry once.
            using var bucket = new Sawmill.Storage.Bucket.S3Bucket(new Sawmill.Storage.Bucket.S3Options
            {
                Endpoint = cluster.S3.Endpoint,
                BucketName = cluster.S3.Bucket,
                AccessKeyId = S3rverProcess.AccessKey,
                SecretAccessKey = S3rverProcess.SecretKey,
                Insecure = true,
                ForcePathStyle = true,
                UseChunkEncoding = false,
            });
            using var view = new Sawmill.Storage.Bucket.BucketBlockSet(bucket,
                new Sawmill.Storage.Bucket.SegmentCache(Path.Combine(rules, "cache"), 1 << 30, 1 << 20, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance),
                Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
            await ClusterHarness.Eventually(async () =>
            {
                await view.SyncAsync(default);
                var blocks = view.Describe("fake");
                return blocks.Count > 0 && blocks.All(b => b.Origin == null && b.MinTime >= now - 49 * 3_600_000_000_000L);
            }, "the bucket compacted and trimmed to the retention period");
            var selection = new Sawmill.Storage.Query.Selection(new Sawmill.Core.SelectRequest
            {
                Tenant = "fake",
                Matchers = [Sawmill.Core.LabelMatcher.Equal("job", "old")],
                StartNs = 0,
                EndNs = long.MaxValue,
                Fields = Sawmill.Core.EntryFields.Timestamps,
            });
            selection.AddBucket(view, default);
            var stored = 0;
            foreach (var it in selection.Iterators())
                using (it)
                    while (it.Next())
                        stored++;
            Assert.Equal(visible.Count, stored);
            var leaders = 0;
            foreach (var b in backends)
            {
                using var http = b.CreateClient();
                var metrics = await http.GetStringAsync("/metrics");
                leaders += metrics.Contains("sawmill_bucket_compactor_leader 1", StringComparison.Ordinal) ? 1 : 0;
            }
            Assert.Equal(1, leaders);

            // A delete request sent to one backend hides the lines on the read nodes, is applied to the bucket by the
            // compactor (wherever its lease is) and shows as processed on the other backend.
            var lines = Enumerable.Range(0, 20).Select(i => ("{\"job\":\"del\"}", now - (20 - i) * 1_000_000_000L, i % 4 == 0 ? $"secret {i}" : $"public {i}")).ToList();
            using (var http = writers[2].CreateClient())
                Assert.True(await ClusterHarness.PushAsync(http, "fake", lines));
            foreach (var w in writers)
            {
                using var http = w.CreateClient();
                using var flushed = await http.PostAsync("/flush", null);
                Assert.Equal(System.Net.HttpStatusCode.NoContent, flushed.StatusCode);
            }
            using (var http = backends[0].CreateClient())
            {
                var form = new FormUrlEncodedContent(new Dictionary<string, string> { ["query"] = "{job=\"del\"} |= \"secret\"", ["start"] = ((now - 60_000_000_000L) / 1_000_000_000).ToString(System.Globalization.CultureInfo.InvariantCulture) });
                using var posted = await http.PostAsync("/loki/api/v1/delete", form);
                Assert.Equal(System.Net.HttpStatusCode.NoContent, posted.StatusCode);
            }
            await ClusterHarness.Eventually(async () =>
            {
                var got = await ClusterHarness.LinesAsync(reader, "fake", "{job=\"del\"}", now - 60_000_000_000L, now + 1);
                return got.Count == 15 && got.All(l => l.StartsWith("public", StringComparison.Ordinal));
            }, "the read node hides the deleted lines");
            await ClusterHarness.Eventually(async () =>
            {
                using var http = backends[1].CreateClient();
                using var doc = System.Text.Json.JsonDocument.Parse(await http.GetStringAsync("/loki/api/v1/delete"));
                return doc.RootElement.EnumerateArray().Any(r => r.GetProperty("status").GetString() == "processed");
            }, "the delete request processed, seen from the other backend");
            await ClusterHarness.Eventually(async () =>
            {
                await view.SyncAsync(default);
                var sel = new Sawmill.Storage.Query.Selection(new Sawmill.Core.SelectRequest
                {
                    Tenant = "fake",
                    Matchers = [Sawmill.Core.LabelMatcher.Equal("job", "del")],
                    StartNs = 0,
                    EndNs = long.MaxValue,
                });
                sel.AddBucket(view, default);
                var inBucket = new List<string>();
                foreach (var it in sel.Iterators())
                    using (it)
                        while (it.Next())
                            inBucket.Add(System.Text.Encoding.UTF8.GetString(it.Line));
                return inBucket.Count == 15 && inBucket.All(l => l.StartsWith("public", StringComparison.Ordinal));
            }, "the deleted lines are gone from the bucket");

            // The alerting group runs on one backend: the alert fires there and only there.
            using (var http = writers[1].CreateClient())
                Assert.True(await ClusterHarness.PushAsync(http, "fake", [("{\"job\":\"rules\"}", now, "an error happened")]));
            async Task<(int Firing, int Groups)> RulerStateAsync()
            {
                int firing = 0, groups = 0;
                foreach (var b in backends)
                {
                    using var http = b.CreateClient();
                    using var alerts = System.Text.Json.JsonDocument.Parse(await http.GetStringAsync("/prometheus/api/v1/alerts"));
                    firing += alerts.RootElement.GetProperty("data").GetProperty("alerts").EnumerateArray().Count(a => a.GetProperty("state").GetString() == "firing");
                    using var rulesDoc = System.Text.Json.JsonDocument.Parse(await http.GetStringAsync("/prometheus/api/v1/rules"));
                    groups += rulesDoc.RootElement.GetProperty("data").GetProperty("groups").GetArrayLength();
                }
                return (firing, groups);
            }
            await ClusterHarness.Eventually(async () => (await RulerStateAsync()).Firing >= 1, "the alert fires");
            // Over the next five evaluations (counted on the backends, not slept) the group runs on one backend only
            // and its alert fires there only.
            async Task<double> IterationsAsync()
            {
                double total = 0;
                foreach (var b in backends)
                {
                    using var http = b.CreateClient();
                    foreach (var line in (await http.GetStringAsync("/metrics")).Split('\n'))
                        if (line.StartsWith("loki_prometheus_rule_group_iterations_total{", StringComparison.Ordinal))
                            total += double.Parse(line[(line.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture);
                }
                return total;
            }
            var iterationsAtFiring = await IterationsAsync();
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
            while (await IterationsAsync() < iterationsAtFiring + 5)
            {
                Assert.Equal((1, 1), await RulerStateAsync());
                Assert.True(DateTime.UtcNow < deadline, "the rule group did not evaluate five more times");
                await Task.Delay(200);
            }
            Assert.Equal((1, 1), await RulerStateAsync());
        }
        finally
        {
            Directory.Delete(rules, recursive: true);
        }
    }

    [Fact]
    public async Task A_push_without_a_quorum_of_live_replicas_fails_with_lokis_message()
    {
        await using var cluster = await ClusterHarness.StartAsync(replicationFactor: 3, authEnabled: false);
        cluster.Log = output.WriteLine;
        var writer = await cluster.StartNodeAsync("write", "write-1");
        using var http = writer.CreateClient();
        using var response = await http.PostAsync("/loki/api/v1/push", new StringContent(
            $"{{\"streams\":[{{\"stream\":{{\"app\":\"a\"}},\"values\":[[\"{DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1_000_000}\",\"x\"]]}}]}}",
            System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(System.Net.HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.StartsWith("at least 2 live replicas required, could only find 1", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task On_one_host_the_bucket_can_be_a_shared_directory()
    {
        // No s3 section: the filesystem object store, one directory every node uses (deploy.md, mode 3).
        var shared = Directory.CreateTempSubdirectory("sawmill-cluster-fsbucket-").FullName;
        try
        {
            await using var cluster = await ClusterHarness.StartAsync(replicationFactor: 1, authEnabled: false, filesystemBucket: shared);
            cluster.Log = output.WriteLine;
            var writer = await cluster.StartNodeAsync("write", "write-1");
            var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1_000_000;
            var entries = Enumerable.Range(0, 50).Select(i => ("{\"job\":\"fs\"}", now - (50 - i) * 1_000_000_000L, $"line {i}")).ToList();
            using (var http = writer.CreateClient())
            {
                Assert.True(await ClusterHarness.PushAsync(http, "fake", entries));
                using var flushed = await http.PostAsync("/flush", null);
                Assert.Equal(System.Net.HttpStatusCode.NoContent, flushed.StatusCode);
            }
            await writer.StopAsync();
            Assert.NotEmpty(Directory.GetFiles(Path.Combine(shared, "blocks", "fake"), "meta.json", SearchOption.AllDirectories));
            var reader = await cluster.StartNodeAsync("read", "read-1");
            var lines = await ClusterHarness.LinesAsync(reader, "fake", "{job=\"fs\"}", now - 3_600_000_000_000L, now + 1);
            Assert.Equal(entries.Select(e => e.Item3).Order(), lines.Order());
        }
        finally
        {
            Directory.Delete(shared, recursive: true);
        }
    }
}

/// <summary>Moving from a single process to the scalable deployment (docs/deploy.md): <c>sawmill upload-blocks</c>.</summary>
public sealed class MigrationTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Upload_blocks_moves_a_single_process_directory_into_the_bucket_and_read_nodes_answer_for_it()
    {
        await using var cluster = await ClusterHarness.StartAsync(replicationFactor: 1);
        cluster.Log = output.WriteLine;
        var dataDir = cluster.DataDir("single");
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1_000_000;
        var entries = Enumerable.Range(0, 300).Select(i => ($"{{\"job\":\"legacy\",\"part\":\"{i % 3}\"}}", now - (300 - i) * 1_000_000_000L, $"old line {i}")).ToList();
        // A single process with its own (default) storage; part of what it holds is flushed into blocks, the rest only in its WAL.
        await using (var single = await SawmillProcess.StartAsync(["-auth.enabled=true", "-log.level=warn"], dataDir))
        {
            using var http = single.CreateClient();
            Assert.True(await ClusterHarness.PushAsync(http, "team-a", entries.Take(200)));
            using (var flushed = await http.PostAsync("/flush", null))
                Assert.True(flushed.IsSuccessStatusCode);
            Assert.True(await ClusterHarness.PushAsync(http, "team-a", entries.Skip(200)));
            await single.StopAsync();
        }

        var psi = new System.Diagnostics.ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { SawmillProcess.DllPath, "upload-blocks", "-config.file=" + cluster.ConfigPath, "-config.expand-env=true", "-common.path-prefix=" + dataDir, "-log.level=info" })
            psi.ArgumentList.Add(a);
        psi.Environment["S3_ENDPOINT"] = cluster.S3.Endpoint;
        psi.Environment["S3_KEY"] = S3rverProcess.AccessKey;
        psi.Environment["S3_SECRET"] = S3rverProcess.SecretKey;
        using (var p = System.Diagnostics.Process.Start(psi)!)
        {
            var stdout = p.StandardOutput.ReadToEndAsync();
            var stderr = p.StandardError.ReadToEndAsync();
            using (var limit = new CancellationTokenSource(TimeSpan.FromMinutes(2)))
            {
                try
                {
                    await p.WaitForExitAsync(limit.Token);
                }
                catch (OperationCanceledException)
                {
                    p.Kill(entireProcessTree: true);
                    await p.WaitForExitAsync();
                    Assert.Fail("upload-blocks did not finish in 2 minutes:\n" + await stdout + await stderr);
                }
            }
            var said = await stdout + await stderr;
            output.WriteLine(said);
            Assert.True(p.ExitCode == 0, said);
            Assert.Matches("uploaded [1-9][0-9]* blocks", said);
        }

        // A read node with an empty disk and no write node on the ring answers for everything, from the bucket alone.
        var reader = await cluster.StartNodeAsync("read", "read-1");
        var lines = await ClusterHarness.LinesAsync(reader, "team-a", "{job=\"legacy\"}", now - 3_600_000_000_000L, now + 1);
        Assert.Equal(entries.Select(e => e.Item3).Order(), lines.Order());
        // Tenants stay apart after the move as well.
        Assert.Empty(await ClusterHarness.LinesAsync(reader, "team-b", "{job=\"legacy\"}", now - 3_600_000_000_000L, now + 1));
    }

    [Fact]
    public async Task Without_instance_addr_a_node_registers_its_first_non_loopback_address()
    {
        await using var cluster = await ClusterHarness.StartAsync(replicationFactor: 1, authEnabled: false, instanceAddr: null);
        cluster.Log = output.WriteLine;
        var writer = await cluster.StartNodeAsync("write", "write-1");
        // The host's own view of its addresses (hostname -I lists every non-loopback one) is the reference.
        var psi = new System.Diagnostics.ProcessStartInfo("hostname", "-I") { RedirectStandardOutput = true };
        using var hostname = System.Diagnostics.Process.Start(psi)!;
        var listed = (await hostname.StandardOutput.ReadToEndAsync()).Split(' ', StringSplitOptions.RemoveEmptyEntries);
        await hostname.WaitForExitAsync();
        var ipv4 = listed.Where(a => System.Net.IPAddress.TryParse(a, out var ip) && ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork).ToList();
        using var http = writer.CreateClient();
        http.DefaultRequestHeaders.Add("Accept", "application/json");
        var ring = await http.GetFromJsonAsync<System.Text.Json.JsonElement>("/ring");
        var address = Assert.Single(ring.GetProperty("shards").EnumerateArray()).GetProperty("address").GetString()!;
        var host = address[..address.LastIndexOf(':')];
        Assert.Equal(writer.BaseAddress!.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), address[(address.LastIndexOf(':') + 1)..]);
        if (ipv4.Count == 0)
            Assert.Equal("127.0.0.1", host);
        else
            Assert.Contains(host, ipv4);
    }
}
