using System.Globalization;
using System.Text.Json;

namespace Sawmill.Logging.Tests.Support;

/// <summary>Reads log lines back from a server with <c>GET /loki/api/v1/query_range</c>.</summary>
internal static class LokiQuery
{
    public sealed record Line(IReadOnlyDictionary<string, string> Labels, long TimestampNs, string Text)
    {
        public JsonElement Json => JsonDocument.Parse(Text).RootElement;
    }

    public static async Task<List<Line>> RangeAsync(HttpClient client, string query, DateTimeOffset since, int limit = 5000)
    {
        var start = (since.ToUnixTimeMilliseconds() - 60_000) * 1_000_000;
        var end = (DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() + 60_000) * 1_000_000;
        var url = string.Create(CultureInfo.InvariantCulture,
            $"loki/api/v1/query_range?query={Uri.EscapeDataString(query)}&start={start}&end={end}&limit={limit}&direction=forward");
        using var resp = await client.GetAsync(url);
        var body = await resp.Content.ReadAsStringAsync();
        Assert.True(resp.IsSuccessStatusCode, $"query {query} failed: {(int)resp.StatusCode} {body}");
        using var doc = JsonDocument.Parse(body);
        var lines = new List<Line>();
        foreach (var stream in doc.RootElement.GetProperty("data").GetProperty("result").EnumerateArray())
        {
            var labels = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var p in stream.GetProperty("stream").EnumerateObject())
                labels[p.Name] = p.Value.GetString()!;
            foreach (var v in stream.GetProperty("values").EnumerateArray())
                lines.Add(new Line(labels, long.Parse(v[0].GetString()!, CultureInfo.InvariantCulture), v[1].GetString()!));
        }
        lines.Sort((a, b) => a.TimestampNs.CompareTo(b.TimestampNs));
        return lines;
    }

    /// <summary>Polls until at least <paramref name="count"/> lines match (pushes are acknowledged before they are queryable only in theory; this keeps tests honest without sleeping).</summary>
    public static async Task<List<Line>> WaitForAsync(HttpClient client, string query, DateTimeOffset since, int count,
        TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (true)
        {
            var lines = await RangeAsync(client, query, since);
            if (lines.Count >= count || DateTime.UtcNow > deadline)
                return lines;
            await Task.Delay(100);
        }
    }
}
