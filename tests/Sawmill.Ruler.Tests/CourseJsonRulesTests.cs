using System.Text.Json;
using Sawmill.Testing;
using static Sawmill.Ruler.Tests.RulerTestSupport;

namespace Sawmill.Ruler.Tests;

/// <summary>
/// The course's <c>| json</c> rules (LowConfidencePredictions, MissingFeatures) over lines shaped like the churn API's
/// JSON logs, through a real sawmill server and Debian's Alertmanager; and the course's rule file verbatim evaluating
/// all four rules on such data.
/// </summary>
public sealed class CourseJsonRulesTests
{
    /// <summary>
    /// The course's two <c>| json</c> rules with the same expressions and thresholds, but 10s windows, <c>for: 2s</c>
    /// and a 1s interval instead of 5m windows and minutes of <c>for</c>.
    /// </summary>
    private const string ShortRules = """
        groups:
          - name: log_alerts
            interval: 1s
            rules:
              - alert: LowConfidencePredictions
                expr: |
                  sum(rate({app="churn-api"} | json | confidence < 0.6[10s])) > 5
                for: 2s
                labels:
                  severity: warning
                annotations:
                  summary: "High rate of low-confidence predictions"
                  description: "{{ $value }} predictions/sec with confidence < 0.6"
              - alert: MissingFeatures
                expr: |
                  sum by(feature) (
                    rate({app="churn-api"} | json | message="Missing feature"[10s])
                  ) > 1
                for: 2s
                labels:
                  severity: warning
                annotations:
                  summary: "Missing features detected"
                  description: "Feature {{ $labels.feature }} missing in requests"
        """;

    [Fact]
    public async Task Json_rules_fire_in_Alertmanager_from_churn_api_shaped_logs_and_resolve()
    {
        await using var am = await ExternalProcess.AlertmanagerAsync();
        var dir = Directory.CreateTempSubdirectory("sawmill-ruler-json-").FullName;
        var rulesDir = Path.Combine(dir, "rules");
        Directory.CreateDirectory(Path.Combine(rulesDir, "fake"));
        await File.WriteAllTextAsync(Path.Combine(rulesDir, "fake", "course.yaml"), ShortRules);
        var configPath = Path.Combine(dir, "sawmill.yaml");
        await File.WriteAllTextAsync(configPath, RulesConfig(rulesDir, am.Address));
        await using var sawmill = await SawmillProcess.StartAsync(["-config.file=" + configPath]);
        using var client = sawmill.CreateClient();
        using var amClient = new HttpClient { BaseAddress = am.Address };

        // 60 low-confidence lines in the 10s window = 6/s > 5; confident predictions and other events must not count.
        await PushJsonAsync(client, 60, "WARNING", "Low confidence prediction", new() { ["confidence"] = 0.55, ["threshold"] = 0.7 });
        await PushJsonAsync(client, 40, "INFO", "Prediction successful", new() { ["prediction"] = "no_churn", ["confidence"] = 0.93, ["model_version"] = "v1.2.3", ["latency_ms"] = 3.2 });
        await PushJsonAsync(client, 10, "INFO", "Request completed", new() { ["method"] = "POST", ["path"] = "/predict", ["status_code"] = 200, ["latency_ms"] = 4.1 });
        // tenure: 20 in 10s = 2/s > 1 fires; age: 5 in 10s = 0.5/s stays quiet. The plural summary event must not match.
        await PushJsonAsync(client, 20, "WARNING", "Missing feature", new() { ["feature"] = "tenure" });
        await PushJsonAsync(client, 5, "WARNING", "Missing feature", new() { ["feature"] = "age" });
        await PushJsonAsync(client, 30, "WARNING", "Missing features", new() { ["missing_features"] = new[] { "tenure", "age" } });

        var low = await EventuallyAsync(async () => (await AmAlertsAsync(amClient, "LowConfidencePredictions")) is [var a] ? (object)a : null,
            TimeSpan.FromSeconds(30), () => "LowConfidencePredictions never reached Alertmanager\n" + sawmill.Output);
        var lowAlert = (JsonElement)low;
        Assert.Equal("warning", Label(lowAlert, "severity"));
        Assert.Equal("6 predictions/sec with confidence < 0.6", Annotation(lowAlert, "description"));
        Assert.Equal("High rate of low-confidence predictions", Annotation(lowAlert, "summary"));

        var missing = await EventuallyAsync(async () => (await AmAlertsAsync(amClient, "MissingFeatures")) is { Count: > 0 } l ? l : null,
            TimeSpan.FromSeconds(30), () => "MissingFeatures never reached Alertmanager\n" + sawmill.Output);
        var m = Assert.Single(missing);
        Assert.Equal("tenure", Label(m, "feature"));
        Assert.Equal("Feature tenure missing in requests", Annotation(m, "description"));

        // The ruler's own API agrees: both firing, the rules healthy.
        using (var doc = JsonDocument.Parse(await client.GetStringAsync("/prometheus/api/v1/rules")))
            foreach (var r in doc.RootElement.GetProperty("data").GetProperty("groups")[0].GetProperty("rules").EnumerateArray())
            {
                Assert.Equal("ok", r.GetProperty("health").GetString());
                Assert.Equal("firing", r.GetProperty("state").GetString());
            }

        // The lines age out of the 10s window: both alerts resolve and leave Alertmanager's active list.
        await EventuallyAsync(async () => (await AmAlertsAsync(amClient, "LowConfidencePredictions")).Count == 0
            && (await AmAlertsAsync(amClient, "MissingFeatures")).Count == 0 ? "gone" : null,
            TimeSpan.FromSeconds(40), () => "alerts never resolved\n" + sawmill.Output);
        Directory.Delete(dir, true);
    }

    [Fact]
    public async Task Course_rule_file_verbatim_evaluates_all_four_rules_on_churn_api_logs()
    {
        var dir = Directory.CreateTempSubdirectory("sawmill-ruler-course-").FullName;
        var rulesDir = Path.Combine(dir, "rules");
        Directory.CreateDirectory(Path.Combine(rulesDir, "fake"));
        var configPath = Path.Combine(dir, "sawmill.yaml");
        await File.WriteAllTextAsync(configPath, RulesConfig(rulesDir, null));
        await using var sawmill = await SawmillProcess.StartAsync(["-config.file=" + configPath]);
        using var client = sawmill.CreateClient();

        // Enough traffic to cross every threshold of the course's 5m windows: 3100 ERROR lines (10.3/s > 10), of which
        // 20 are database connection failures; 1600 low-confidence lines (5.3/s > 5); 400 missing tenure (1.3/s > 1).
        await PushJsonAsync(client, 3080, "ERROR", "Invalid features", new() { ["error_type"] = "ValueError", ["error_message"] = "tenure must be >= 0" });
        await PushJsonAsync(client, 20, "ERROR", "Prediction error", new() { ["error_type"] = "ConnectionError", ["error_message"] = "database connection refused" });
        await PushJsonAsync(client, 1600, "WARNING", "Low confidence prediction", new() { ["confidence"] = 0.52, ["threshold"] = 0.7 });
        await PushJsonAsync(client, 400, "WARNING", "Missing feature", new() { ["feature"] = "tenure" });
        await PushJsonAsync(client, 200, "INFO", "Prediction successful", new() { ["prediction"] = "churn", ["confidence"] = 0.91, ["model_version"] = "v1.2.3" });

        // The course's file as written, dropped in after the data so its first evaluation sees it.
        await File.WriteAllTextAsync(Path.Combine(rulesDir, "fake", "course.yaml"), RepositoryFiles.CourseAlertRules);

        var alerts = await EventuallyAsync(async () =>
        {
            using var doc = JsonDocument.Parse(await client.GetStringAsync("/prometheus/api/v1/alerts"));
            var list = doc.RootElement.GetProperty("data").GetProperty("alerts").EnumerateArray().Select(a => a.Clone()).ToList();
            return list.Count == 4 ? list : null;
        }, TimeSpan.FromSeconds(30), () => "the course's rules did not all become pending\n" + sawmill.Output);

        // Every rule is pending (the course's `for` is minutes), with the value the data implies.
        var byName = alerts.ToDictionary(a => Label(a, "alertname"));
        Assert.All(alerts, a => Assert.Equal("pending", a.GetProperty("state").GetString()));
        Assert.Equal(3100 / 300.0, double.Parse(byName["HighErrorRate"].GetProperty("value").GetString()!, System.Globalization.CultureInfo.InvariantCulture), 6);
        Assert.Equal("20", Value(byName["DatabaseConnectionError"]));
        Assert.Equal(1600 / 300.0, double.Parse(byName["LowConfidencePredictions"].GetProperty("value").GetString()!, System.Globalization.CultureInfo.InvariantCulture), 6);
        Assert.Equal("tenure", Label(byName["MissingFeatures"], "feature"));
        Assert.Equal("Feature tenure missing in requests", Annotation(byName["MissingFeatures"], "description"));

        using (var doc = JsonDocument.Parse(await client.GetStringAsync("/prometheus/api/v1/rules")))
        {
            var group = Assert.Single(doc.RootElement.GetProperty("data").GetProperty("groups").EnumerateArray());
            var rules = group.GetProperty("rules").EnumerateArray().ToList();
            Assert.Equal(["HighErrorRate", "DatabaseConnectionError", "LowConfidencePredictions", "MissingFeatures"], rules.Select(r => r.GetProperty("name").GetString()));
            Assert.All(rules, r =>
            {
                Assert.Equal("ok", r.GetProperty("health").GetString());
                Assert.False(r.TryGetProperty("lastError", out _));
                Assert.NotEqual("0001-01-01T00:00:00Z", r.GetProperty("lastEvaluation").GetString());
            });
        }
        Directory.Delete(dir, true);
    }

    private static string Value(JsonElement alert) =>
        double.Parse(alert.GetProperty("value").GetString()!, System.Globalization.CultureInfo.InvariantCulture).ToString(System.Globalization.CultureInfo.InvariantCulture);
}
