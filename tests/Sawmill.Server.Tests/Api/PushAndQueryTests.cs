using System.Text;
using Sawmill.Core;

namespace Sawmill.Server.Tests.Api;

public sealed class PushAndQueryTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private HttpClient Http => fixture.Server.CreateClient();

    [Fact]
    public async Task A_json_push_is_acknowledged_with_204_and_queried_back()
    {
        var now = Client.Now;
        var app = "json-" + Guid.NewGuid().ToString("N")[..8];
        using var r = await Client.PushJsonAsync(Http, Client.Body(Client.Stream($"{{\"app\":\"{app}\"}}", (now - 2000, "first"), (now - 1000, "second"))));
        Assert.Equal(204, (int)r.StatusCode);
        var lines = await Client.QueryLinesAsync(Http, $"{{app=\"{app}\"}}", now - TimeNs.PerHour, now + TimeNs.PerSecond);
        Assert.Equal(["second", "first"], lines.Select(l => l.Line));
        var forward = await Client.QueryLinesAsync(Http, $"{{app=\"{app}\"}}", now - TimeNs.PerHour, now + TimeNs.PerSecond, direction: "forward");
        Assert.Equal(["first", "second"], forward.Select(l => l.Line));
    }

    [Fact]
    public async Task A_json_line_with_invalid_utf8_or_a_lone_surrogate_is_stored_with_replacement_characters()
    {
        // Found by fuzzing: this answered 500. Loki accepts it and stores U+FFFD in place of the bad bytes.
        var now = Client.Now;
        var app = "utf8-" + Guid.NewGuid().ToString("N")[..8];
        var body = Encoding.UTF8.GetBytes($"{{\"streams\":[{{\"stream\":{{\"app\":\"{app}\"}},\"values\":[[\"{now - 1000}\",\"bad \u0001\"],[\"{now}\",\"lone \\ud800 escape\"]]}}]}}");
        body[Array.IndexOf(body, (byte)1)] = 0xFF;
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        using var r = await Http.PostAsync("/loki/api/v1/push", content);
        Assert.Equal(204, (int)r.StatusCode);
        var lines = await Client.QueryLinesAsync(Http, $"{{app=\"{app}\"}}", now - TimeNs.PerMinute, now + 1, direction: "forward");
        Assert.Equal(["bad \uFFFD", "lone \uFFFD escape"], lines.Select(l => l.Line));
    }

    [Fact]
    public async Task A_gzipped_json_push_is_accepted()
    {
        var now = Client.Now;
        var app = "gzip-" + Guid.NewGuid().ToString("N")[..8];
        using var r = await Client.PushJsonAsync(Http, Client.Body(Client.Stream($"{{\"app\":\"{app}\"}}", (now, "zipped"))), gzip: true);
        Assert.Equal(204, (int)r.StatusCode);
        var lines = await Client.QueryLinesAsync(Http, $"{{app=\"{app}\"}}", now - TimeNs.PerMinute, now + 1);
        Assert.Equal("zipped", Assert.Single(lines).Line);
    }

    [Fact]
    public async Task A_protobuf_snappy_push_with_structured_metadata_is_stored()
    {
        var now = Client.Now;
        var app = "proto-" + Guid.NewGuid().ToString("N")[..8];
        var stream = new PushStream(Labels.From(("app", app), ("env", "test")),
            [new PushEntry(now, Encoding.UTF8.GetBytes("from promtail"), [new Label("trace_id", "t-1")])]);
        using var r = await Client.PushProtobufAsync(Http, [stream]);
        Assert.Equal(204, (int)r.StatusCode);
        var lines = await Client.QueryLinesAsync(Http, $"{{app=\"{app}\"}}", now - TimeNs.PerMinute, now + 1);
        var line = Assert.Single(lines);
        Assert.Equal("from promtail", line.Line);
        Assert.Contains("\"env\":\"test\"", line.Stream);
    }

    [Fact]
    public async Task The_end_of_a_range_query_is_exclusive()
    {
        var now = Client.Now;
        var app = "excl-" + Guid.NewGuid().ToString("N")[..8];
        await Client.PushJsonAsync(Http, Client.Body(Client.Stream($"{{\"app\":\"{app}\"}}", (now - 10, "at start"), (now, "at end"))));
        var lines = await Client.QueryLinesAsync(Http, $"{{app=\"{app}\"}}", now - 10, now);
        Assert.Equal("at start", Assert.Single(lines).Line);
    }

    [Fact]
    public async Task Line_filters_and_limits_apply()
    {
        var now = Client.Now;
        var app = "filter-" + Guid.NewGuid().ToString("N")[..8];
        var values = Enumerable.Range(0, 20).Select(i => (now - 1000 * i, i % 2 == 0 ? $"GET /health {i}" : $"POST /predict error {i}")).ToArray();
        await Client.PushJsonAsync(Http, Client.Body(Client.Stream($"{{\"app\":\"{app}\"}}", values)));
        var errors = await Client.QueryLinesAsync(Http, $"{{app=\"{app}\"}} |= \"error\" != \"health\"", now - TimeNs.PerMinute, now + 1);
        Assert.Equal(10, errors.Count);
        Assert.All(errors, e => Assert.Contains("error", e.Line));
        var limited = await Client.QueryLinesAsync(Http, $"{{app=\"{app}\"}}", now - TimeNs.PerMinute, now + 1, limit: 3);
        Assert.Equal(3, limited.Count);
        Assert.Equal(now, limited[0].Ts);
        var regex = await Client.QueryLinesAsync(Http, $"{{app=\"{app}\"}} |~ `(?i)HEALTH [0-4]$`", now - TimeNs.PerMinute, now + 1);
        Assert.Equal(3, regex.Count);
    }

    [Fact]
    public async Task Metric_queries_count_entries_per_label()
    {
        var now = Client.Now;
        var app = "metric-" + Guid.NewGuid().ToString("N")[..8];
        await Client.PushJsonAsync(Http, Client.Body(
            Client.Stream($"{{\"app\":\"{app}\",\"level\":\"info\"}}", (now - 3000, "a"), (now - 2000, "b"), (now - 1000, "c")),
            Client.Stream($"{{\"app\":\"{app}\",\"level\":\"error\"}}", (now - 1000, "boom"))));
        using var doc = await Client.GetJsonAsync(Http, "/loki/api/v1/query",
            ("query", $"sum by (level) (count_over_time({{app=\"{app}\"}}[1m]))"), ("time", now.ToString()));
        var data = doc.RootElement.GetProperty("data");
        Assert.Equal("vector", data.GetProperty("resultType").GetString());
        var byLevel = data.GetProperty("result").EnumerateArray().ToDictionary(
            s => s.GetProperty("metric").GetProperty("level").GetString()!, s => s.GetProperty("value")[1].GetString());
        Assert.Equal("3", byLevel["info"]);
        Assert.Equal("1", byLevel["error"]);
    }

    [Fact]
    public async Task Grafanas_health_check_query_answers_2()
    {
        using var doc = await Client.GetJsonAsync(Http, "/loki/api/v1/query", ("query", "vector(1)+vector(1)"));
        var sample = Assert.Single(doc.RootElement.GetProperty("data").GetProperty("result").EnumerateArray());
        Assert.Equal("2", sample.GetProperty("value")[1].GetString());
    }

    [Fact]
    public async Task Range_metric_queries_return_a_matrix_at_each_step()
    {
        var now = Client.Now / TimeNs.PerSecond * TimeNs.PerSecond;
        var app = "matrix-" + Guid.NewGuid().ToString("N")[..8];
        await Client.PushJsonAsync(Http, Client.Body(Client.Stream($"{{\"app\":\"{app}\"}}", (now - 30 * TimeNs.PerSecond, "x"), (now - 5 * TimeNs.PerSecond, "y"))));
        using var doc = await Client.GetJsonAsync(Http, "/loki/api/v1/query_range",
            ("query", $"count_over_time({{app=\"{app}\"}}[10s])"), ("start", (now - 40 * TimeNs.PerSecond).ToString()), ("end", now.ToString()), ("step", "10s"));
        var series = Assert.Single(doc.RootElement.GetProperty("data").GetProperty("result").EnumerateArray());
        var points = series.GetProperty("values").EnumerateArray().Select(v => (v[0].GetDouble(), v[1].GetString())).ToList();
        Assert.Equal(2, points.Count);
        // Windows are (t - 10s, t]: the entry at now-30s counts at step now-30s, not at now-20s.
        Assert.Equal((now - 30 * TimeNs.PerSecond) / 1e9, points[0].Item1, 3);
        Assert.Equal((now / 1e9), points[1].Item1, 3);
    }

    [Fact]
    public async Task Labels_values_series_and_stats_describe_the_streams()
    {
        var now = Client.Now;
        var app = "meta-" + Guid.NewGuid().ToString("N")[..8];
        await Client.PushJsonAsync(Http, Client.Body(
            Client.Stream($"{{\"app\":\"{app}\",\"pod\":\"a\"}}", (now, "1234567890")),
            Client.Stream($"{{\"app\":\"{app}\",\"pod\":\"b\"}}", (now, "12345"))));
        using (var labels = await Client.GetJsonAsync(Http, "/loki/api/v1/labels", ("query", $"{{app=\"{app}\"}}")))
            Assert.Equal(["app", "pod"], labels.RootElement.GetProperty("data").EnumerateArray().Select(e => e.GetString()));
        using (var values = await Client.GetJsonAsync(Http, "/loki/api/v1/label/pod/values", ("query", $"{{app=\"{app}\"}}")))
            Assert.Equal(["a", "b"], values.RootElement.GetProperty("data").EnumerateArray().Select(e => e.GetString()));
        using (var series = await Client.GetJsonAsync(Http, "/loki/api/v1/series", ("match[]", $"{{app=\"{app}\",pod=~\"b|c\"}}")))
            Assert.Equal("b", Assert.Single(series.RootElement.GetProperty("data").EnumerateArray()).GetProperty("pod").GetString());
        using var stats = await Client.GetJsonAsync(Http, "/loki/api/v1/index/stats", ("query", $"{{app=\"{app}\"}}"));
        Assert.Equal(2, stats.RootElement.GetProperty("streams").GetInt64());
        Assert.Equal(2, stats.RootElement.GetProperty("entries").GetInt64());
        Assert.Equal(15, stats.RootElement.GetProperty("bytes").GetInt64());
    }

    [Theory]
    [InlineData("{app=\"x\"", "parse error at line 1")]
    [InlineData("{app=~\".*\"}", "queries require at least one regexp or equality matcher that does not have an empty-compatible value")]
    [InlineData("sum(rate({app=\"x\"}))", "parse error")]
    public async Task Bad_queries_answer_400_with_Lokis_text(string query, string expected)
    {
        var (status, body) = await Client.GetTextAsync(Http, "/loki/api/v1/query_range", ("query", query));
        Assert.Equal(400, status);
        Assert.Contains(expected, body);
    }

    [Fact]
    public async Task Parameter_errors_answer_400_with_Lokis_text()
    {
        Assert.Equal((400, "limit must be a positive value\n"), await Client.GetTextAsync(Http, "/loki/api/v1/query_range", ("query", "{a=\"b\"}"), ("limit", "-1")));
        var (status, body) = await Client.GetTextAsync(Http, "/loki/api/v1/query_range", ("query", "{a=\"b\"}"), ("limit", "100000"));
        Assert.Equal(400, status);
        Assert.Equal("max entries limit per query exceeded, limit > max_entries_limit_per_query (100000 > 5000)\n", body);
        (status, body) = await Client.GetTextAsync(Http, "/loki/api/v1/query_range", ("query", "{a=\"b\"}"), ("start", "100"), ("end", "50"));
        Assert.Equal(400, status);
        Assert.Equal("end timestamp must not be before or equal to start time\n", body);
        (status, body) = await Client.GetTextAsync(Http, "/loki/api/v1/query_range", ("query", "rate({a=\"b\"}[1m])"), ("start", "0"), ("end", "100000"), ("step", "1"));
        Assert.Equal(400, status);
        Assert.StartsWith("exceeded maximum resolution of 11,000 points per timeseries", body);
        (status, body) = await Client.GetTextAsync(Http, "/loki/api/v1/query", ("query", "{a=\"b\"}"));
        Assert.Equal(400, status);
        Assert.StartsWith("log queries are not supported as an instant query type", body);
    }

    [Fact]
    public async Task Buildinfo_ready_and_metrics_answer()
    {
        var (status, ready) = await Client.GetTextAsync(Http, "/ready");
        Assert.Equal((200, "ready\n"), (status, ready));
        using var build = await Client.GetJsonAsync(Http, "/loki/api/v1/status/buildinfo");
        Assert.False(string.IsNullOrEmpty(build.RootElement.GetProperty("version").GetString()));
        await Client.PushJsonAsync(Http, Client.Body(Client.Stream("{\"app\":\"metrics-probe\"}", (Client.Now, "x"))));
        var (_, metrics) = await Client.GetTextAsync(Http, "/metrics");
        Assert.Contains("loki_distributor_lines_received_total{tenant=\"fake\"}", metrics);
        Assert.Contains("loki_request_duration_seconds_bucket", metrics);
        Assert.Contains("sawmill_wal_bytes_written_total", metrics);
    }
}
