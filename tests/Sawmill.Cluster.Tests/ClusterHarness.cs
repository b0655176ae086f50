using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Sawmill.Testing;

namespace Sawmill.Cluster.Tests;

/// <summary>
/// A scalable Sawmill deployment on loopback: a real etcd, a real S3-compatible server (s3rver) and real sawmill
/// processes started with <c>-target=write|read|backend</c> and one shared config file. Every test gets its own ring
/// prefix and bucket, so nothing leaks between tests. Disposing kills everything.
/// </summary>
public sealed class ClusterHarness : IAsyncDisposable
{
    private readonly List<SawmillProcess> _nodes = [];
    private readonly string _dir = Directory.CreateTempSubdirectory("sawmill-cluster-").FullName;

    private ClusterHarness(EtcdProcess etcd, S3rverProcess s3)
    {
        Etcd = etcd;
        S3 = s3;
    }

    public EtcdProcess Etcd { get; }
    public S3rverProcess S3 { get; }
    public string ConfigPath => Path.Combine(_dir, "sawmill.yaml");

    /// <summary>Starts etcd and s3rver and writes the config (<paramref name="extra"/> YAML appended at the top level).</summary>
    /// <param name="limits">Extra <c>limits_config</c> lines (two-space indented).</param>
    /// <param name="filesystemBucket">A directory to use as the bucket (the filesystem store) instead of s3rver.</param>
    /// <param name="instanceAddr">common.instance_addr, or null to leave it out (the node's default).</param>
    /// <param name="heartbeatTimeout">The ring's heartbeat timeout (also the compactor lease's TTL).</param>
    public static async Task<ClusterHarness> StartAsync(int replicationFactor = 3, string extra = "", bool authEnabled = true, string limits = "",
        string? filesystemBucket = null, string heartbeatTimeout = "4s", string? instanceAddr = "127.0.0.1")
    {
        var etcd = await EtcdProcess.StartAsync();
        var s3 = await S3rverProcess.StartAsync();
        var h = new ClusterHarness(etcd, s3);
        await File.WriteAllTextAsync(h.ConfigPath, $$"""
            auth_enabled: {{(authEnabled ? "true" : "false")}}
            common:
              replication_factor: {{replicationFactor}}
              {{(instanceAddr != null ? "instance_addr: " + instanceAddr : "# no instance_addr: the node picks its address")}}
              ring:
                heartbeat_period: 500ms
                heartbeat_timeout: {{heartbeatTimeout}}
                kvstore:
                  store: etcd
                  prefix: test/
                  etcd:
                    endpoints: [{{etcd.Endpoint}}]
                    dial_timeout: 5s
              storage:
            {{(filesystemBucket != null ? $"    filesystem:\n      chunks_directory: {filesystemBucket}" : $"    s3:\n      endpoint: ${{S3_ENDPOINT}}\n      bucketnames: {s3.Bucket}\n      access_key_id: ${{S3_KEY}}\n      secret_access_key: ${{S3_SECRET}}\n      s3forcepathstyle: true\n      insecure: true\n      use_chunk_encoding: false")}}
            storage_config:
              tsdb_shipper:
                resync_interval: 1s
            ingester:
              flush_check_period: 1s
            limits_config:
              ingestion_rate_mb: 1000
              ingestion_burst_size_mb: 1000
              per_stream_rate_limit: 1000MB
              per_stream_rate_limit_burst: 1000MB
              reject_old_samples: false
            {{limits}}
            {{extra}}
            """);
        return h;
    }

    public IReadOnlyList<SawmillProcess> Nodes => _nodes;

    /// <summary>
    /// Starts a node; <paramref name="dataDir"/> reuses a directory (a restart). Secrets come from the environment through
    /// <c>-config.expand-env</c>, as a deployment passes them.
    /// </summary>
    public async Task<SawmillProcess> StartNodeAsync(string target, string id, string? dataDir = null)
    {
        var node = await SawmillProcess.StartAsync(
            ["-config.file=" + ConfigPath, "-config.expand-env=true", "-target=" + target, "-common.storage.ring.instance-id=" + id, "-log.level=info"],
            dataDir ?? Path.Combine(_dir, id),
            TimeSpan.FromSeconds(120),
            new Dictionary<string, string> { ["S3_ENDPOINT"] = S3.Endpoint, ["S3_KEY"] = S3rverProcess.AccessKey, ["S3_SECRET"] = S3rverProcess.SecretKey });
        _nodes.Add(node);
        return node;
    }

    public string DataDir(string id) => Path.Combine(_dir, id);

    /// <summary>The members of a ring as a node sees them: id → state (ACTIVE, LEAVING, UNHEALTHY).</summary>
    public static async Task<Dictionary<string, string>> RingAsync(SawmillProcess node, string path = "/ring")
    {
        using var http = node.CreateClient();
        http.DefaultRequestHeaders.Add("Accept", "application/json");
        var doc = await http.GetFromJsonAsync<JsonElement>(path);
        return doc.GetProperty("shards").EnumerateArray().ToDictionary(s => s.GetProperty("id").GetString()!, s => s.GetProperty("state").GetString()!);
    }

    /// <summary>Waits for a condition with a deadline (never a fixed sleep).</summary>
    public static async Task Eventually(Func<Task<bool>> condition, string what, TimeSpan? limit = null)
    {
        var deadline = DateTime.UtcNow + (limit ?? TimeSpan.FromSeconds(60));
        Exception? last = null;
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                if (await condition())
                    return;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException or InvalidOperationException)
            {
                last = e;
            }
            await Task.Delay(200);
        }
        throw new TimeoutException($"{what} (last error: {last?.Message})");
    }

    /// <summary>Pushes one JSON batch; true when acknowledged (204).</summary>
    public static async Task<bool> PushAsync(HttpClient http, string tenant, IEnumerable<(string Labels, long Ts, string Line)> entries)
    {
        var json = new StringBuilder("{\"streams\":[");
        var first = true;
        foreach (var group in entries.GroupBy(e => e.Labels))
        {
            if (!first)
                json.Append(',');
            first = false;
            json.Append("{\"stream\":").Append(group.Key).Append(",\"values\":[");
            json.Append(string.Join(",", group.Select(e => $"[\"{e.Ts}\",{JsonSerializer.Serialize(e.Line)}]")));
            json.Append("]}");
        }
        json.Append("]}");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/loki/api/v1/push") { Content = new StringContent(json.ToString(), Encoding.UTF8, "application/json") };
        request.Headers.Add("X-Scope-OrgID", tenant);
        try
        {
            using var response = await http.SendAsync(request);
            return response.StatusCode == System.Net.HttpStatusCode.NoContent;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return false;
        }
    }

    /// <summary>
    /// Every line of a tenant's streams in [start, end) through one node, read newest first with query_range in pages of
    /// 5000 (each page ends where the previous one's oldest entry was; the tests' timestamps are unique per tenant).
    /// </summary>
    public static async Task<List<string>> LinesAsync(SawmillProcess node, string tenant, string selector, long startNs, long endNs)
    {
        using var http = node.CreateClient(tenant);
        var lines = new List<string>();
        var end = endNs;
        while (true)
        {
            var url = $"/loki/api/v1/query_range?query={Uri.EscapeDataString(selector)}&start={startNs}&end={end}&limit=5000&direction=backward";
            using var response = await http.GetAsync(url);
            var body = await response.Content.ReadAsStringAsync();
            if (!response.IsSuccessStatusCode)
                throw new InvalidOperationException($"query through {node.BaseAddress} failed: {(int)response.StatusCode} {body}");
            using var doc = JsonDocument.Parse(body);
            var page = new List<(long Ts, string Line)>();
            foreach (var s in doc.RootElement.GetProperty("data").GetProperty("result").EnumerateArray())
                foreach (var v in s.GetProperty("values").EnumerateArray())
                    page.Add((long.Parse(v[0].GetString()!, System.Globalization.CultureInfo.InvariantCulture), v[1].GetString()!));
            lines.AddRange(page.Select(p => p.Line));
            if (page.Count < 5000)
                return lines;
            end = page.Min(p => p.Ts);
        }
    }

    /// <summary>A metric query's single value (instant query of a scalar-producing aggregation), 0 when empty.</summary>
    public static async Task<double> InstantValueAsync(SawmillProcess node, string tenant, string query, long timeNs)
    {
        using var http = node.CreateClient(tenant);
        using var response = await http.GetAsync($"/loki/api/v1/query?query={Uri.EscapeDataString(query)}&time={timeNs}");
        var body = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode)
            throw new InvalidOperationException($"query through {node.BaseAddress} failed: {(int)response.StatusCode} {body}");
        using var doc = JsonDocument.Parse(body);
        var result = doc.RootElement.GetProperty("data").GetProperty("result");
        return result.GetArrayLength() == 0 ? 0 : double.Parse(result[0].GetProperty("value")[1].GetString()!, System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Where each node's output goes when the cluster is disposed (a test's output helper), for failure analysis.</summary>
    public Action<string>? Log { get; set; }

    public async ValueTask DisposeAsync()
    {
        foreach (var n in _nodes)
        {
            try
            {
                Log?.Invoke($"--- {n.BaseAddress} ---\n{n.Output}");
            }
            catch (InvalidOperationException)
            {
                // The test has ended and its output helper is closed.
            }
            await n.DisposeAsync();
        }
        await S3.DisposeAsync();
        await Etcd.DisposeAsync();
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
