using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Sawmill.Testing;
using static Sawmill.Ruler.Tests.RulerTestSupport;

namespace Sawmill.Ruler.Tests;

/// <summary>
/// The whole path through real processes: a sawmill server evaluating rules every second against its real engine,
/// Debian's Alertmanager receiving the alerts, and Debian's Prometheus receiving recording-rule samples by remote write.
/// </summary>
public sealed class RulerIntegrationTests
{
    private const string Rules = """
        groups:
          - name: churn
            interval: 1s
            rules:
              - alert: DatabaseConnectionError
                expr: sum(count_over_time({app="churn-api"} |= "database connection"[10s])) > 0
                for: 2s
                labels:
                  severity: critical
                annotations:
                  summary: Database connection errors
                  description: "{{ $value }} failures, {{ $value | humanize }}"
              - record: churn:db_errors:count10s
                expr: sum(count_over_time({app="churn-api"} |= "database connection"[10s]))
        """;

    private static string Config(string rulesDir, Uri am, Uri prom) => $"""
        auth_enabled: false
        ruler:
          storage:
            type: local
            local:
              directory: {rulesDir}
          alertmanager_url: {am.ToString().TrimEnd('/')}
          evaluation_interval: 1s
          poll_interval: 1s
          resend_delay: 1s
          external_url: http://sawmill.test:3100
          external_labels:
            cluster: test
          enable_api: true
          remote_write:
            enabled: true
            client:
              url: {prom}api/v1/write
              queue_config:
                min_backoff: 100ms
                max_backoff: 500ms
        """;

    private static async Task PushAsync(HttpClient client, int lines, string text)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1_000_000;
        var values = string.Join(",", Enumerable.Range(0, lines).Select(i => $"[\"{now + i}\",\"{text} {i}\"]"));
        var body = $"{{\"streams\":[{{\"stream\":{{\"app\":\"churn-api\",\"level\":\"ERROR\"}},\"values\":[{values}]}}]}}";
        using var r = await client.PostAsync("/loki/api/v1/push", new StringContent(body, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.NoContent, r.StatusCode);
    }

    private static async Task<JsonElement?> AmAlertAsync(HttpClient am, string name)
    {
        var json = await am.GetStringAsync("api/v2/alerts");
        using var doc = JsonDocument.Parse(json);
        foreach (var a in doc.RootElement.EnumerateArray())
            if (a.GetProperty("labels").GetProperty("alertname").GetString() == name)
                return a.Clone();
        return null;
    }

    [Fact]
    public async Task Alert_fires_in_Alertmanager_resolves_and_recording_rule_reaches_Prometheus()
    {
        await using var am = await ExternalProcess.AlertmanagerAsync();
        await using var prom = await ExternalProcess.PrometheusAsync();
        var dir = Directory.CreateTempSubdirectory("sawmill-ruler-it-").FullName;
        var rulesDir = Path.Combine(dir, "rules");
        Directory.CreateDirectory(Path.Combine(rulesDir, "fake"));
        await File.WriteAllTextAsync(Path.Combine(rulesDir, "fake", "churn.yaml"), Rules);
        var configPath = Path.Combine(dir, "sawmill.yaml");
        await File.WriteAllTextAsync(configPath, Config(rulesDir, am.Address, prom.Address));
        await using var sawmill = await SawmillProcess.StartAsync(["-config.file=" + configPath]);
        using var client = sawmill.CreateClient();
        using var amClient = new HttpClient { BaseAddress = am.Address };
        using var promClient = new HttpClient { BaseAddress = prom.Address };

        var started = DateTimeOffset.UtcNow;
        await PushAsync(client, 5, "ERROR database connection refused");

        // Pending first (for: 2s), then firing in Alertmanager with our labels, annotations and link.
        var fired = await EventuallyAsync(async () => await AmAlertAsync(amClient, "DatabaseConnectionError") is { } a ? (object)a : null,
            TimeSpan.FromSeconds(30), () => "alert never reached Alertmanager\n" + sawmill.Output);
        var alert = (JsonElement)fired;
        Assert.Equal("active", alert.GetProperty("status").GetProperty("state").GetString());
        Assert.Equal("critical", alert.GetProperty("labels").GetProperty("severity").GetString());
        Assert.Equal("test", alert.GetProperty("labels").GetProperty("cluster").GetString());
        Assert.Equal("5 failures, 5", alert.GetProperty("annotations").GetProperty("description").GetString());
        Assert.StartsWith("http://sawmill.test:3100/explore?q=", alert.GetProperty("generatorURL").GetString());

        // The Prometheus-compatible API shows the same alert firing.
        using (var doc = JsonDocument.Parse(await client.GetStringAsync("/prometheus/api/v1/alerts")))
        {
            var a = doc.RootElement.GetProperty("data").GetProperty("alerts")[0];
            Assert.Equal("firing", a.GetProperty("state").GetString());
            Assert.Equal("5e+00", a.GetProperty("value").GetString());
        }
        using (var doc = JsonDocument.Parse(await client.GetStringAsync("/prometheus/api/v1/rules")))
        {
            var g = doc.RootElement.GetProperty("data").GetProperty("groups")[0];
            Assert.Equal("churn", g.GetProperty("name").GetString());
            Assert.Equal(1, g.GetProperty("interval").GetDouble());
            var rules = g.GetProperty("rules");
            Assert.Equal("alerting", rules[0].GetProperty("type").GetString());
            Assert.Equal("firing", rules[0].GetProperty("state").GetString());
            Assert.Equal(2, rules[0].GetProperty("duration").GetDouble());
            Assert.Equal("ok", rules[0].GetProperty("health").GetString());
            Assert.Equal("recording", rules[1].GetProperty("type").GetString());
        }

        // The recording rule's series arrives in Prometheus with the pushed count.
        var value = await EventuallyAsync(async () =>
        {
            var json = await promClient.GetStringAsync("api/v1/query?query=" + Uri.EscapeDataString("max_over_time(churn:db_errors:count10s[5m])"));
            using var doc = JsonDocument.Parse(json);
            var result = doc.RootElement.GetProperty("data").GetProperty("result");
            return result.GetArrayLength() == 1 ? result[0].GetProperty("value")[1].GetString() : null;
        }, TimeSpan.FromSeconds(30), () => "recording rule series never reached Prometheus\n" + sawmill.Output + prom.Output);
        Assert.Equal("5", value);

        // The firing alert as Prometheus's rules manager writes it: ALERTS{alertstate="firing", alert labels} 1 and
        // ALERTS_FOR_STATE{alert labels} = the Unix second the alert became active.
        var alertsSeries = await EventuallyAsync(async () =>
        {
            using var doc = JsonDocument.Parse(await promClient.GetStringAsync("api/v1/query?query=" + Uri.EscapeDataString("ALERTS{alertstate=\"firing\"}")));
            var result = doc.RootElement.GetProperty("data").GetProperty("result");
            return result.GetArrayLength() == 1 ? (object)result[0].Clone() : null;
        }, TimeSpan.FromSeconds(30), () => "ALERTS never reached Prometheus\n" + sawmill.Output + prom.Output);
        var series = (JsonElement)alertsSeries;
        var metric = series.GetProperty("metric");
        Assert.Equal("DatabaseConnectionError", metric.GetProperty("alertname").GetString());
        Assert.Equal("critical", metric.GetProperty("severity").GetString());
        Assert.Equal("1", series.GetProperty("value")[1].GetString());
        Assert.Equal(["__name__", "alertname", "alertstate", "severity"], metric.EnumerateObject().Select(p => p.Name).Where(n => n != "cluster").Order(StringComparer.Ordinal));
        using (var doc = JsonDocument.Parse(await promClient.GetStringAsync("api/v1/query?query=" + Uri.EscapeDataString("ALERTS_FOR_STATE"))))
        {
            var r = Assert.Single(doc.RootElement.GetProperty("data").GetProperty("result").EnumerateArray());
            Assert.False(r.GetProperty("metric").TryGetProperty("alertstate", out _));
            var activeAt = double.Parse(r.GetProperty("value")[1].GetString()!, CultureInfo.InvariantCulture);
            Assert.InRange(activeAt, started.ToUnixTimeSeconds() - 1, DateTimeOffset.UtcNow.ToUnixTimeSeconds());
        }
        // Pending came first: the range of ALERTS holds a pending sample before the firing ones.
        using (var doc = JsonDocument.Parse(await promClient.GetStringAsync("api/v1/query?query=" + Uri.EscapeDataString("count_over_time(ALERTS{alertstate=\"pending\"}[5m])"))))
            Assert.Equal(1, doc.RootElement.GetProperty("data").GetProperty("result").GetArrayLength());

        // No more logs: once the 10s window has passed, the alert resolves and Alertmanager drops it from active alerts.
        await EventuallyAsync(async () => await AmAlertAsync(amClient, "DatabaseConnectionError") == null ? "gone" : null,
            TimeSpan.FromSeconds(30), () => "alert never resolved in Alertmanager\n" + sawmill.Output);
        using (var doc = JsonDocument.Parse(await client.GetStringAsync("/prometheus/api/v1/alerts")))
            Assert.Equal(0, doc.RootElement.GetProperty("data").GetProperty("alerts").GetArrayLength());
        // The resolved alert's series end with stale markers, so Prometheus stops returning them at once (not 5m later).
        await EventuallyAsync(async () =>
        {
            using var doc = JsonDocument.Parse(await promClient.GetStringAsync("api/v1/query?query=" + Uri.EscapeDataString("ALERTS or ALERTS_FOR_STATE")));
            return doc.RootElement.GetProperty("data").GetProperty("result").GetArrayLength() == 0 ? "gone" : null;
        }, TimeSpan.FromSeconds(30), () => "ALERTS series not marked stale in Prometheus\n" + sawmill.Output);
        Directory.Delete(dir, true);
    }

    [Fact]
    public async Task Course_rules_load_as_written_and_the_rules_API_manages_groups()
    {
        var dir = Directory.CreateTempSubdirectory("sawmill-ruler-api-").FullName;
        var rulesDir = Path.Combine(dir, "rules");
        Directory.CreateDirectory(Path.Combine(rulesDir, "fake"));
        await File.WriteAllTextAsync(Path.Combine(rulesDir, "fake", "course.yaml"), RepositoryFiles.CourseAlertRules);
        var configPath = Path.Combine(dir, "sawmill.yaml");
        await File.WriteAllTextAsync(configPath, $"ruler:\n  storage:\n    type: local\n    local:\n      directory: {rulesDir}\n  poll_interval: 1s\n");
        await using var sawmill = await SawmillProcess.StartAsync(["-config.file=" + configPath]);
        using var client = sawmill.CreateClient();

        var names = await EventuallyAsync(async () =>
        {
            using var doc = JsonDocument.Parse(await client.GetStringAsync("/prometheus/api/v1/rules"));
            var groups = doc.RootElement.GetProperty("data").GetProperty("groups");
            return groups.GetArrayLength() == 1
                ? groups[0].GetProperty("rules").EnumerateArray().Select(r => r.GetProperty("name").GetString()!).ToList()
                : null;
        }, TimeSpan.FromSeconds(20), () => sawmill.Output);
        Assert.Equal(["HighErrorRate", "DatabaseConnectionError", "LowConfidencePredictions", "MissingFeatures"], names);

        var yaml = await client.GetStringAsync("/loki/api/v1/rules");
        Assert.Contains("course:", yaml);
        Assert.Contains("name: log_alerts", yaml);

        // Grafana's path: create a group, read it back, delete it.
        var group = "name: api_group\ninterval: 10s\nrules:\n  - record: app:lines:rate1m\n    expr: sum(rate({app=\"x\"}[1m]))\n";
        using (var r = await client.PostAsync("/api/prom/rules/team", new StringContent(group, Encoding.UTF8, "application/yaml")))
            Assert.Equal(HttpStatusCode.Accepted, r.StatusCode);
        var one = await client.GetStringAsync("/loki/api/v1/rules/team/api_group");
        Assert.Contains("record: app:lines:rate1m", one);
        using (var doc = JsonDocument.Parse(await client.GetStringAsync("/prometheus/api/v1/rules?type=record")))
            Assert.Equal("api_group", doc.RootElement.GetProperty("data").GetProperty("groups")[0].GetProperty("name").GetString());

        using (var r = await client.PostAsync("/loki/api/v1/rules/team", new StringContent("name: bad\nrules:\n  - alert: X\n", Encoding.UTF8, "application/yaml")))
        {
            Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);
            Assert.Contains("field 'expr' must be set in rule", await r.Content.ReadAsStringAsync());
        }
        using (var r = await client.DeleteAsync("/loki/api/v1/rules/team/api_group"))
            Assert.Equal(HttpStatusCode.Accepted, r.StatusCode);
        using (var r = await client.GetAsync("/loki/api/v1/rules/team"))
        {
            Assert.Equal(HttpStatusCode.NotFound, r.StatusCode);
            Assert.Contains("no rule groups found", await r.Content.ReadAsStringAsync());
        }
        Directory.Delete(dir, true);
    }
}
