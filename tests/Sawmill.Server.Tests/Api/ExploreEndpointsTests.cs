using Sawmill.Core;
using Sawmill.Server.Api;

namespace Sawmill.Server.Tests.Api;

/// <summary>The extra endpoints Grafana's Loki data source and Logs Drilldown call, with the shapes they read.</summary>
public sealed class ExploreEndpointsTests(ServerFixture fixture) : IClassFixture<ServerFixture>, IAsyncLifetime
{
    private HttpClient Http => fixture.Server.CreateClient();
    private readonly string _app = "explore-" + Guid.NewGuid().ToString("N")[..8];
    private readonly long _now = TimeNs.Now();

    public async Task InitializeAsync()
    {
        var json = Enumerable.Range(0, 6).Select(i => (_now - (6 - i) * TimeNs.PerSecond,
            $"{{\"level\":\"{(i % 3 == 0 ? "ERROR" : "INFO")}\",\"message\":\"Prediction successful\",\"confidence\":0.{i + 1},\"latency_ms\":{10 + i},\"request\":{{\"id\":\"r{i}\"}}}}")).ToArray();
        var logfmt = Enumerable.Range(0, 4).Select(i => (_now - (5 - i) * TimeNs.PerSecond, $"level=info msg=\"user {i} logged in\" took={i + 1}ms size={i}KB")).ToArray();
        using var r = await Client.PushJsonAsync(Http, Client.Body(
            Client.Stream($"{{\"app\":\"{_app}\",\"env\":\"prod\",\"pod\":\"a\"}}", json),
            Client.Stream($"{{\"app\":\"{_app}\",\"env\":\"dev\",\"pod\":\"b\"}}", logfmt)));
        r.EnsureSuccessStatusCode();
    }

    public Task DisposeAsync() => Task.CompletedTask;

    private (string, string)[] Range(string query) => [("query", query), ("start", (_now - TimeNs.PerMinute).ToString()), ("end", _now.ToString())];

    [Fact]
    public async Task Volume_aggregates_bytes_by_the_labels_in_the_selector()
    {
        using var doc = await Client.GetJsonAsync(Http, "/loki/api/v1/index/volume", Range($"{{app=\"{_app}\", env=~\".+\"}}"));
        var data = doc.RootElement.GetProperty("data");
        Assert.Equal("vector", data.GetProperty("resultType").GetString());
        var result = data.GetProperty("result").EnumerateArray().ToList();
        Assert.Equal(2, result.Count);
        var metric = result[0].GetProperty("metric");
        Assert.Equal(2, metric.EnumerateObject().Count());
        Assert.True(long.Parse(result[0].GetProperty("value")[1].GetString()!) > 0);
    }

    [Fact]
    public async Task Volume_by_target_labels_and_by_label_names()
    {
        using (var doc = await Client.GetJsonAsync(Http, "/loki/api/v1/index/volume", [.. Range($"{{app=\"{_app}\"}}"), ("targetLabels", "pod")]))
            Assert.Equal(["a", "b"], doc.RootElement.GetProperty("data").GetProperty("result").EnumerateArray()
                .Select(r => r.GetProperty("metric").GetProperty("pod").GetString()).Order());
        using var byLabels = await Client.GetJsonAsync(Http, "/loki/api/v1/index/volume", [.. Range($"{{app=\"{_app}\"}}"), ("aggregateBy", "labels")]);
        var names = byLabels.RootElement.GetProperty("data").GetProperty("result").EnumerateArray()
            .Select(r => r.GetProperty("metric").EnumerateObject().Single()).ToList();
        // service_name: added at ingestion from app (Loki 3's discover_service_name default).
        Assert.Equal(["app", "env", "pod", "service_name"], names.Select(n => n.Name).Order());
        Assert.All(names, n => Assert.Equal("", n.Value.GetString()));
    }

    [Fact]
    public async Task Volume_range_returns_a_matrix()
    {
        // A step shorter than the seconds the entries span, so several buckets hold bytes (Loki answers a vector when
        // no series has two samples); 2 s, since its volume middleware sends whole seconds and a 1 s piece is empty.
        using var doc = await Client.GetJsonAsync(Http, "/loki/api/v1/index/volume_range", [.. Range($"{{app=\"{_app}\"}}"), ("step", "2s")]);
        var data = doc.RootElement.GetProperty("data");
        Assert.Equal("matrix", data.GetProperty("resultType").GetString());
        Assert.NotEmpty(Assert.Single(data.GetProperty("result").EnumerateArray()).GetProperty("values").EnumerateArray());
    }

    [Fact]
    public async Task Patterns_group_lines_with_counts_per_step()
    {
        using var doc = await Client.GetJsonAsync(Http, "/loki/api/v1/patterns", [.. Range($"{{app=\"{_app}\",pod=\"b\"}}"), ("step", "1m")]);
        Assert.Equal("success", doc.RootElement.GetProperty("status").GetString());
        var pattern = Assert.Single(doc.RootElement.GetProperty("data").EnumerateArray());
        Assert.Equal("level=info msg=\"user <_> logged in\" took=<_> size=<_>", pattern.GetProperty("pattern").GetString());
        Assert.Equal(4, pattern.GetProperty("samples").EnumerateArray().Sum(s => s[1].GetInt64()));
    }

    [Fact]
    public async Task Patterns_and_detected_fields_run_a_log_query_with_its_pipeline()
    {
        // The engine runs the query: a line filter keeps only the ERROR lines (2 of the 6 JSON lines), so no logfmt field shows.
        using (var doc = await Client.GetJsonAsync(Http, "/loki/api/v1/patterns", [.. Range($"{{app=\"{_app}\"}} |= \"ERROR\""), ("step", "1m")]))
            Assert.Equal(2, doc.RootElement.GetProperty("data").EnumerateArray().Sum(p => p.GetProperty("samples").EnumerateArray().Sum(x => x[1].GetInt64())));
        using var fields = await Client.GetJsonAsync(Http, "/loki/api/v1/detected_fields", Range($"{{app=\"{_app}\"}} |= \"ERROR\" | json"));
        var names = fields.RootElement.GetProperty("fields").EnumerateArray().Select(f => f.GetProperty("label").GetString()).ToList();
        Assert.Contains("confidence", names);
        Assert.DoesNotContain("took", names);
    }

    [Fact]
    public async Task Explore_endpoints_answer_query_errors_with_400()
    {
        using var metric = await Http.GetAsync("/loki/api/v1/detected_fields?query=" + Uri.EscapeDataString($"count_over_time({{app=\"{_app}\"}}[1m])"));
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, metric.StatusCode);
        using var bad = await Http.GetAsync("/loki/api/v1/patterns?query=" + Uri.EscapeDataString("{app=\"x\"} |= "));
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("parse error", await bad.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Detected_labels_report_cardinality()
    {
        using var doc = await Client.GetJsonAsync(Http, "/loki/api/v1/detected_labels", Range($"{{app=\"{_app}\"}}"));
        var labels = doc.RootElement.GetProperty("detectedLabels").EnumerateArray()
            .ToDictionary(l => l.GetProperty("label").GetString()!, l => l.GetProperty("cardinality").GetInt32());
        Assert.Equal(2, labels["env"]);
        Assert.Equal(2, labels["pod"]);
        Assert.Equal(1, labels["app"]);
    }

    [Fact]
    public async Task Detected_fields_find_json_and_logfmt_fields_with_types()
    {
        using var doc = await Client.GetJsonAsync(Http, "/loki/api/v1/detected_fields", Range($"{{app=\"{_app}\"}}"));
        var fields = doc.RootElement.GetProperty("fields").EnumerateArray().ToDictionary(f => f.GetProperty("label").GetString()!);
        Assert.Equal("float", fields["confidence"].GetProperty("type").GetString());
        Assert.Equal("int", fields["latency_ms"].GetProperty("type").GetString());
        Assert.Equal("duration", fields["took"].GetProperty("type").GetString());
        Assert.Equal("bytes", fields["size"].GetProperty("type").GetString());
        Assert.Equal(["json"], fields["request_id"].GetProperty("parsers").EnumerateArray().Select(p => p.GetString()));
        Assert.Equal(["request", "id"], fields["request_id"].GetProperty("jsonPath").EnumerateArray().Select(p => p.GetString()));
        Assert.Equal(["json", "logfmt"], fields["level"].GetProperty("parsers").EnumerateArray().Select(p => p.GetString()));
        Assert.False(fields.ContainsKey("app"));
    }

    [Fact]
    public async Task Detected_field_values_lists_the_values()
    {
        using var doc = await Client.GetJsonAsync(Http, "/loki/api/v1/detected_field/level/values", Range($"{{app=\"{_app}\",pod=\"a\"}}"));
        Assert.Equal(["ERROR", "INFO"], doc.RootElement.GetProperty("values").EnumerateArray().Select(v => v.GetString()));
    }

    [Fact]
    public async Task Drilldown_limits_has_the_fields_logs_drilldown_reads()
    {
        using var doc = await Client.GetJsonAsync(Http, "/loki/api/v1/drilldown-limits");
        var limits = doc.RootElement.GetProperty("limits");
        Assert.True(limits.GetProperty("discover_log_levels").GetBoolean());
        Assert.NotEmpty(limits.GetProperty("discover_service_name").EnumerateArray());
        Assert.NotEmpty(limits.GetProperty("log_level_fields").EnumerateArray());
        Assert.True(doc.RootElement.GetProperty("pattern_ingester_enabled").GetBoolean());
        Assert.False(string.IsNullOrEmpty(doc.RootElement.GetProperty("version").GetString()));
    }

    [Theory]
    [InlineData("42", "int")]
    [InlineData("0.5", "float")]
    [InlineData("true", "boolean")]
    [InlineData("250ms", "duration")]
    [InlineData("1.5h", "duration")]
    [InlineData("20MB", "bytes")]
    [InlineData("hello", "string")]
    public void Field_types_are_guessed_like_Loki(string value, string type) => Assert.Equal(type, FieldDetection.TypeOf(value));
}
