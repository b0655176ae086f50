using System.Globalization;
using System.Net.Http.Json;
using System.Runtime.CompilerServices;
using System.Text.Json;

namespace Sawmill.Web.Tests.Grafana;

/// <summary>
/// Replays the calls Grafana's Loki data source and the Logs Drilldown app make (recorded in golden/*.json, each citing
/// the Grafana source it was derived from) against the shared real sawmill server, and matches each response against
/// the shape Grafana reads. See golden/README.md for the shape language.
/// </summary>
[Collection(WebCollection.Name)]
public sealed class GrafanaGoldenTests(WebFixture fx)
{
    private const string Job = "grafana-golden";
    private static readonly SemaphoreSlim SeedLock = new(1, 1);
    private static long _seededAtNs;

    public static string GoldenDir([CallerFilePath] string here = "") => Path.Combine(Path.GetDirectoryName(here)!, "golden");

    public static TheoryData<string> Files()
    {
        var data = new TheoryData<string>();
        foreach (var f in Directory.GetFiles(GoldenDir(), "*.json").Order(StringComparer.Ordinal))
            data.Add(Path.GetFileName(f));
        return data;
    }

    /// <summary>Six logfmt lines in one stream: three errors carrying a trace_id as structured metadata, three infos.</summary>
    private async Task<long> SeedAsync()
    {
        await SeedLock.WaitAsync();
        try
        {
            if (_seededAtNs != 0)
                return _seededAtNs;
            var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1_000_000L;
            var values = new List<object>();
            for (var i = 0; i < 6; i++)
            {
                var ts = (now - (6 - i) * 60_000_000_000L).ToString(CultureInfo.InvariantCulture);
                if (i % 2 == 0)
                    values.Add(new object[] { ts, $"level=error msg=\"payment failed\" duration={30 + i}ms order_id={100 + i}", new Dictionary<string, string> { ["trace_id"] = $"trace-{i}" } });
                else
                    values.Add(new object[] { ts, $"level=info msg=\"payment ok\" duration={10 + i}ms order_id={100 + i}" });
            }
            using var client = fx.Sawmill.CreateClient();
            using var r = await client.PostAsJsonAsync("loki/api/v1/push", new { streams = new[] { new { stream = new Dictionary<string, string> { ["job"] = Job, ["service_name"] = "checkout" }, values } } });
            Assert.True(r.IsSuccessStatusCode, await r.Content.ReadAsStringAsync());
            _seededAtNs = now;
            return now;
        }
        finally
        {
            SeedLock.Release();
        }
    }

    [Theory]
    [MemberData(nameof(Files))]
    public async Task Grafana_call_gets_the_response_shape_Grafana_reads(string file)
    {
        var seeded = await SeedAsync();
        using var doc = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(GoldenDir(), file)));
        var golden = doc.RootElement;
        Assert.True(golden.GetProperty("source").GetArrayLength() > 0, $"{file} cites no source");

        var end = seeded + 1_000_000_000L;
        var start = seeded - TimeNsPerHour;
        var req = golden.GetProperty("request");
        var qs = new List<string>();
        foreach (var p in req.GetProperty("query").EnumerateObject())
        {
            var v = p.Value.GetString()!;
            v = v switch
            {
                "$start" => start.ToString(CultureInfo.InvariantCulture),
                "$end" => end.ToString(CultureInfo.InvariantCulture),
                "$startIso" => Iso(start),
                "$endIso" => Iso(end),
                _ => v,
            };
            qs.Add(Uri.EscapeDataString(p.Name) + "=" + Uri.EscapeDataString(v));
        }
        using var http = new HttpClient { BaseAddress = fx.Sawmill.BaseAddress };
        using var message = new HttpRequestMessage(new HttpMethod(req.GetProperty("method").GetString()!),
            req.GetProperty("path").GetString()!.TrimStart('/') + (qs.Count > 0 ? "?" + string.Join('&', qs) : ""));
        if (req.TryGetProperty("headers", out var headers))
            foreach (var h in headers.EnumerateObject())
                message.Headers.TryAddWithoutValidation(h.Name, h.Value.GetString());
        using var response = await http.SendAsync(message);
        var body = await response.Content.ReadAsStringAsync();

        var expected = golden.GetProperty("response");
        Assert.True(expected.GetProperty("status").GetInt32() == (int)response.StatusCode, $"{file}: HTTP {(int)response.StatusCode}: {body}");
        if (expected.TryGetProperty("headers", out var expHeaders))
            foreach (var h in expHeaders.EnumerateObject())
                Assert.True(response.Headers.TryGetValues(h.Name, out var got) && got.Contains(h.Value.GetString()), $"{file}: response header {h.Name} missing");
        if (expected.TryGetProperty("text", out var text))
            Assert.Contains(text.GetString()!, body);
        if (expected.TryGetProperty("body", out var shape))
        {
            using var actual = JsonDocument.Parse(body);
            var problems = new List<string>();
            ShapeMatcher.Match(shape, actual.RootElement, "$", problems);
            Assert.True(problems.Count == 0, $"{file}:\n  " + string.Join("\n  ", problems) + "\nbody: " + Truncate(body));
            if (golden.TryGetProperty("contains", out var contains))
            {
                foreach (var c in contains.EnumerateArray())
                {
                    var list = actual.RootElement.GetProperty(c.GetProperty("path").GetString()!);
                    var found = list.EnumerateArray().Any(e => { var p = new List<string>(); ShapeMatcher.Match(c.GetProperty("match"), e, "", p); return p.Count == 0; });
                    Assert.True(found, $"{file}: no element of {c.GetProperty("path").GetString()} matches {c.GetProperty("match").GetRawText()}\nbody: {Truncate(body)}");
                }
            }
        }
        if (golden.TryGetProperty("log", out var log))
        {
            foreach (var l in log.EnumerateArray())
            {
                var want = l.GetString()!;
                // The query log line is written after the response; give the process a moment to flush it.
                for (var i = 0; i < 50 && !fx.Sawmill.Output.Contains(want, StringComparison.Ordinal); i++)
                    await Task.Delay(100);
                Assert.True(fx.Sawmill.Output.Contains(want, StringComparison.Ordinal), $"{file}: the server's query log has no '{want}'");
            }
        }
    }

    [Fact]
    public void Every_golden_file_cites_a_grafana_or_loki_source_file()
    {
        foreach (var f in Directory.GetFiles(GoldenDir(), "*.json"))
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(f));
            foreach (var s in doc.RootElement.GetProperty("source").EnumerateArray())
                Assert.Matches(@"^grafana/(grafana|loki|logs-drilldown) \S+", s.GetString());
        }
    }

    private const long TimeNsPerHour = 3_600_000_000_000L;

    private static string Iso(long ns) => DateTimeOffset.FromUnixTimeMilliseconds(ns / 1_000_000).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    private static string Truncate(string s) => s.Length > 1500 ? s[..1500] + "…" : s;
}
