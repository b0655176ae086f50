using System.Net;
using System.Text;
using System.Text.Json;

namespace Sawmill.Ruler.Tests;

/// <summary>Helpers of the integration tests: polling with a deadline, pushing churn-API-shaped JSON lines, Alertmanager reads.</summary>
internal static class RulerTestSupport
{
    /// <summary>Polls <paramref name="probe"/> every 250 ms until it answers non-null; throws with <paramref name="describe"/> after <paramref name="limit"/>.</summary>
    public static async Task<T> EventuallyAsync<T>(Func<Task<T?>> probe, TimeSpan limit, Func<string> describe) where T : class
    {
        var deadline = DateTime.UtcNow + limit;
        while (true)
        {
            var v = await probe();
            if (v != null)
                return v;
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException(describe());
            await Task.Delay(250);
        }
    }

    /// <summary>
    /// Pushes <paramref name="count"/> lines shaped like the churn API's JSON console output (timestamp, level, logger,
    /// message, request_id, then <paramref name="fields"/>) to stream <c>{app="churn-api", env="dev", level=…}</c>,
    /// as the logging library's push provider labels them, timestamped now.
    /// </summary>
    public static async Task PushJsonAsync(HttpClient client, int count, string level, string message, Dictionary<string, object> fields)
    {
        var now = DateTimeOffset.UtcNow;
        var ns = now.ToUnixTimeMilliseconds() * 1_000_000;
        var values = new List<string[]>(count);
        for (var i = 0; i < count; i++)
        {
            var line = new Dictionary<string, object>
            {
                ["timestamp"] = now.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture),
                ["level"] = level,
                ["logger"] = "ChurnApi.PredictionHandler",
                ["message"] = message,
                ["request_id"] = Guid.NewGuid().ToString("N"),
            };
            foreach (var (k, v) in fields)
                line[k] = v;
            values.Add([(ns + i).ToString(System.Globalization.CultureInfo.InvariantCulture), JsonSerializer.Serialize(line)]);
        }
        var body = JsonSerializer.Serialize(new
        {
            streams = new[] { new { stream = new Dictionary<string, string> { ["app"] = "churn-api", ["env"] = "dev", ["level"] = level }, values } },
        });
        using var r = await client.PostAsync("/loki/api/v1/push", new StringContent(body, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.NoContent, r.StatusCode);
    }

    /// <summary>Alertmanager's active alerts named <paramref name="name"/> (API v2).</summary>
    public static async Task<List<JsonElement>> AmAlertsAsync(HttpClient am, string name)
    {
        using var doc = JsonDocument.Parse(await am.GetStringAsync("api/v2/alerts"));
        return doc.RootElement.EnumerateArray()
            .Where(a => a.GetProperty("labels").GetProperty("alertname").GetString() == name)
            .Select(a => a.Clone())
            .ToList();
    }

    public static string Label(JsonElement alert, string name) =>
        alert.GetProperty("labels").TryGetProperty(name, out var v) ? v.GetString()! : "";

    public static string Annotation(JsonElement alert, string name) =>
        alert.GetProperty("annotations").TryGetProperty(name, out var v) ? v.GetString()! : "";

    public static string RulesConfig(string rulesDir, Uri? am, Uri? prom = null) =>
        "auth_enabled: false\nruler:\n  storage:\n    type: local\n    local:\n      directory: " + rulesDir + "\n"
        + (am != null ? "  alertmanager_url: " + am.ToString().TrimEnd('/') + "\n" : "")
        + "  evaluation_interval: 1s\n  poll_interval: 1s\n  resend_delay: 1s\n"
        + (prom != null ? "  remote_write:\n    enabled: true\n    client:\n      url: " + prom + "api/v1/write\n" : "");
}
