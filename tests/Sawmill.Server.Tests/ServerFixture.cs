using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Sawmill.Core;
using Sawmill.Core.Protocol;
using Sawmill.Testing;

namespace Sawmill.Server.Tests;

/// <summary>One real sawmill process shared by a test class (default config).</summary>
public sealed class ServerFixture : IAsyncLifetime
{
    public SawmillProcess Server { get; private set; } = null!;

    public async Task InitializeAsync() => Server = await SawmillProcess.StartAsync();

    public async Task DisposeAsync() => await Server.DisposeAsync();
}

/// <summary>Helpers to push and query a real server the way Loki clients do.</summary>
internal static class Client
{
    public static long Now => TimeNs.Now();

    public static async Task<HttpResponseMessage> PushJsonAsync(HttpClient http, string json, bool gzip = false)
    {
        HttpContent content;
        if (gzip)
        {
            var ms = new MemoryStream();
            using (var gz = new System.IO.Compression.GZipStream(ms, System.IO.Compression.CompressionLevel.Fastest, leaveOpen: true))
                gz.Write(Encoding.UTF8.GetBytes(json));
            content = new ByteArrayContent(ms.ToArray());
            content.Headers.ContentEncoding.Add("gzip");
        }
        else
        {
            content = new ByteArrayContent(Encoding.UTF8.GetBytes(json));
        }
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return await http.PostAsync("/loki/api/v1/push", content);
    }

    public static string Stream(string labelsJson, params (long Ts, string Line)[] values) =>
        "{\"stream\":" + labelsJson + ",\"values\":[" + string.Join(',', values.Select(v => $"[\"{v.Ts}\",{JsonSerializer.Serialize(v.Line)}]")) + "]}";

    public static string Body(params string[] streams) => "{\"streams\":[" + string.Join(',', streams) + "]}";

    public static async Task<HttpResponseMessage> PushProtobufAsync(HttpClient http, IReadOnlyList<PushStream> streams)
    {
        var raw = PushRequestEncoder.Encode(streams);
        var content = new ByteArrayContent(Snappier.Snappy.CompressToArray(raw));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-protobuf");
        return await http.PostAsync("/loki/api/v1/push", content);
    }

    public static async Task<JsonDocument> GetJsonAsync(HttpClient http, string path, params (string Key, string Value)[] query)
    {
        var url = path + (query.Length > 0 ? "?" + string.Join('&', query.Select(q => q.Key + "=" + Uri.EscapeDataString(q.Value))) : "");
        using var response = await http.GetAsync(url);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{url} answered {(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text);
    }

    public static async Task<(int Status, string Body)> GetTextAsync(HttpClient http, string path, params (string Key, string Value)[] query)
    {
        var url = path + (query.Length > 0 ? "?" + string.Join('&', query.Select(q => q.Key + "=" + Uri.EscapeDataString(q.Value))) : "");
        using var response = await http.GetAsync(url);
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    /// <summary>The value of one unlabelled series on the server's /metrics page (0 when it is absent).</summary>
    public static async Task<double> MetricAsync(HttpClient http, string series)
    {
        var (_, text) = await GetTextAsync(http, "/metrics");
        foreach (var line in text.Split('\n'))
            if (line.StartsWith(series + " ", StringComparison.Ordinal))
                return double.Parse(line[(series.Length + 1)..], System.Globalization.CultureInfo.InvariantCulture);
        return 0;
    }

    /// <summary>All log lines a query_range returns, newest first, as (stream labels JSON, ts, line).</summary>
    public static async Task<List<(string Stream, long Ts, string Line)>> QueryLinesAsync(HttpClient http, string query, long start, long end, int limit = 1000, string direction = "backward")
    {
        using var doc = await GetJsonAsync(http, "/loki/api/v1/query_range", ("query", query), ("start", start.ToString()), ("end", end.ToString()), ("limit", limit.ToString()), ("direction", direction));
        var result = new List<(string, long, string)>();
        foreach (var s in doc.RootElement.GetProperty("data").GetProperty("result").EnumerateArray())
        {
            var stream = s.GetProperty("stream").GetRawText();
            foreach (var v in s.GetProperty("values").EnumerateArray())
                result.Add((stream, long.Parse(v[0].GetString()!), v[1].GetString()!));
        }
        return result;
    }

    public static string WriteConfig(string yaml)
    {
        var path = Path.Combine(Path.GetTempPath(), "sawmill-test-" + Guid.NewGuid().ToString("N") + ".yaml");
        File.WriteAllText(path, yaml);
        return path;
    }
}
