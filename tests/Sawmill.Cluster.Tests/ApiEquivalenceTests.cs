using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Sawmill.Testing;
using Xunit.Abstractions;

namespace Sawmill.Cluster.Tests;

/// <summary>
/// Every read API answers the same through a read node of the scalable deployment (RF=3, part of the data in the
/// bucket, part in the ingesters) as through a single process holding the same data.
/// </summary>
public sealed class ApiEquivalenceTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Every_read_endpoint_answers_as_a_single_process_does()
    {
        await using var cluster = await ClusterHarness.StartAsync(replicationFactor: 3, authEnabled: false);
        cluster.Log = output.WriteLine;
        var writers = new List<SawmillProcess>();
        for (var i = 1; i <= 3; i++)
            writers.Add(await cluster.StartNodeAsync("write", $"write-{i}"));
        var reader = await cluster.StartNodeAsync("read", "read-1");
        await using var single = await SawmillProcess.StartAsync(["-config.file=" + cluster.ConfigPath, "-config.expand-env=true", "-log.level=warn"], null, TimeSpan.FromSeconds(120),
            new Dictionary<string, string> { ["S3_ENDPOINT"] = cluster.S3.Endpoint, ["S3_KEY"] = S3rverProcess.AccessKey, ["S3_SECRET"] = S3rverProcess.SecretKey });
        await ClusterHarness.Eventually(async () => (await ClusterHarness.RingAsync(reader)).Values.Count(s => s == "ACTIVE") == 3, "3 active ingesters");

        // Two batches: the first flushed to the bucket, the second left in the ingesters.
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1_000_000;
        var start = now - 30 * 60_000_000_000L;
        var levels = new[] { "info", "warn", "error" };
        List<(string, long, string)> Batch(int from, int to) => Enumerable.Range(from, to - from).Select(i =>
            ($"{{\"app\":\"app{i % 3}\",\"env\":\"{(i % 2 == 0 ? "prod" : "dev")}\"}}", start + i * 1_000_000_000L,
             $"level={levels[i % 3]} msg=\"request {i}\" duration={i % 17}ms user=u{i % 5}")).ToList();
        foreach (var (batch, flush) in new[] { (Batch(0, 600), true), (Batch(600, 1200), false) })
        {
            using (var http = writers[0].CreateClient())
                Assert.True(await ClusterHarness.PushAsync(http, "fake", batch));
            using (var http = single.CreateClient())
                Assert.True(await ClusterHarness.PushAsync(http, "fake", batch));
            if (flush)
                foreach (var w in writers)
                {
                    using var http = w.CreateClient();
                    using var r = await http.PostAsync("/flush", null);
                    Assert.Equal(System.Net.HttpStatusCode.NoContent, r.StatusCode);
                }
        }
        var s0 = start.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var e0 = now.ToString(System.Globalization.CultureInfo.InvariantCulture);
        string Q(string q) => Uri.EscapeDataString(q);
        var calls = new[]
        {
            $"/loki/api/v1/query_range?query={Q("{app=~\"app.\"}")}&start={s0}&end={e0}&limit=2000&direction=forward",
            $"/loki/api/v1/query_range?query={Q("{env=\"prod\"} |= \"error\" | logfmt | duration > 5")}&start={s0}&end={e0}&limit=300",
            $"/loki/api/v1/query_range?query={Q("sum by (app) (count_over_time({env=~\".+\"}[1m]))")}&start={s0}&end={e0}&step=60",
            $"/loki/api/v1/query_range?query={Q("sum by (level) (rate({app=\"app1\"} | logfmt [5m]))")}&start={s0}&end={e0}&step=300",
            $"/loki/api/v1/query?query={Q("topk(2, sum by (user) (count_over_time({app=~\".+\"} | logfmt [30m])))")}&time={e0}",
            $"/loki/api/v1/labels?start={s0}&end={e0}",
            $"/loki/api/v1/label/app/values?start={s0}&end={e0}",
            $"/loki/api/v1/series?match[]={Q("{env=\"dev\"}")}&start={s0}&end={e0}",
            $"/loki/api/v1/index/volume?query={Q("{app=~\".+\"}")}&start={s0}&end={e0}",
            $"/loki/api/v1/index/volume_range?query={Q("{app=~\".+\"}")}&start={s0}&end={e0}&step=600",
            $"/loki/api/v1/patterns?query={Q("{app=\"app2\"}")}&start={s0}&end={e0}",
            $"/loki/api/v1/detected_fields?query={Q("{app=~\".+\"}")}&start={s0}&end={e0}",
            $"/loki/api/v1/detected_labels?query={Q("{app=~\".+\"}")}&start={s0}&end={e0}",
        };
        using var a = reader.CreateClient();
        using var b = single.CreateClient();
        foreach (var call in calls)
        {
            var (fromCluster, fromSingle) = (Normalize(await a.GetStringAsync(call)), Normalize(await b.GetStringAsync(call)));
            Assert.True(fromSingle == fromCluster, $"{call}\ncluster: {Cut(fromCluster)}\nsingle:  {Cut(fromSingle)}");
            output.WriteLine($"same answer: {call[..Math.Min(call.Length, 90)]}");
        }
        // Index stats: streams, entries and bytes agree (chunk counts differ: the replicas cut their chunks apart).
        var statsCall = $"/loki/api/v1/index/stats?query={Q("{app=~\".+\"}")}&start={s0}&end={e0}";
        using (var sa = JsonDocument.Parse(await a.GetStringAsync(statsCall)))
        using (var sb = JsonDocument.Parse(await b.GetStringAsync(statsCall)))
            foreach (var field in new[] { "streams", "entries", "bytes" })
                Assert.Equal(sb.RootElement.GetProperty(field).GetInt64(), sa.RootElement.GetProperty(field).GetInt64());

        // Live tail through the read node sees a line pushed through a write node.
        using var ws = new ClientWebSocket();
        var tailUri = new Uri(reader.BaseAddress, $"/loki/api/v1/tail?query={Q("{app=\"tail\"}")}");
        await ws.ConnectAsync(new Uri(tailUri.ToString().Replace("http://", "ws://")), default);
        using (var http = writers[1].CreateClient())
            Assert.True(await ClusterHarness.PushAsync(http, "fake", [("{\"app\":\"tail\"}", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1_000_000, "tailed line")]));
        var buffer = new byte[1 << 16];
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var received = new StringBuilder();
        while (!received.ToString().Contains("tailed line", StringComparison.Ordinal))
        {
            var r = await ws.ReceiveAsync(buffer, cts.Token);
            received.Append(Encoding.UTF8.GetString(buffer, 0, r.Count));
        }
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(received.ToString(), "tailed line"));
    }

    /// <summary>The answer without what legitimately differs between two servers: timings and the stats block.</summary>
    private static string Normalize(string json)
    {
        using var doc = JsonDocument.Parse(json);
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer))
            Write(w, doc.RootElement);
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static void Write(Utf8JsonWriter w, JsonElement e)
    {
        switch (e.ValueKind)
        {
            case JsonValueKind.Object:
                w.WriteStartObject();
                foreach (var p in e.EnumerateObject())
                {
                    if (p.Name is "stats")
                        continue;
                    w.WritePropertyName(p.Name);
                    Write(w, p.Value);
                }
                w.WriteEndObject();
                break;
            case JsonValueKind.Array:
                w.WriteStartArray();
                foreach (var x in e.EnumerateArray())
                    Write(w, x);
                w.WriteEndArray();
                break;
            default:
                e.WriteTo(w);
                break;
        }
    }

    private static string Cut(string s) => s.Length > 600 ? s[..600] + "…" : s;
}
