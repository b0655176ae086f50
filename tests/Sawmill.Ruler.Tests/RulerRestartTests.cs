using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Sawmill.Testing;

namespace Sawmill.Ruler.Tests;

/// <summary>Restarts of either side: Prometheus going away loses no recorded sample; Sawmill restarting keeps alert state.</summary>
public sealed class RulerRestartTests
{
    private const string Rules = """
        groups:
          - name: restart
            interval: 1s
            rules:
              - alert: ChurnLines
                expr: sum(count_over_time({app="churn-api"}[2m])) > 0
                for: 1s
              - record: churn:lines:count2m
                expr: sum(count_over_time({app="churn-api"}[2m]))
        """;

    private static async Task<(string Dir, string Config)> SetupAsync(Uri? prom)
    {
        var dir = Directory.CreateTempSubdirectory("sawmill-ruler-restart-").FullName;
        var rulesDir = Path.Combine(dir, "rules");
        Directory.CreateDirectory(Path.Combine(rulesDir, "fake"));
        await File.WriteAllTextAsync(Path.Combine(rulesDir, "fake", "r.yaml"), Rules);
        var config = $"ruler:\n  storage:\n    type: local\n    local:\n      directory: {rulesDir}\n  poll_interval: 1s\n";
        if (prom != null)
            config += $"  remote_write:\n    enabled: true\n    client:\n      url: {prom}api/v1/write\n      queue_config:\n        min_backoff: 100ms\n        max_backoff: 500ms\n";
        var path = Path.Combine(dir, "sawmill.yaml");
        await File.WriteAllTextAsync(path, config);
        return (dir, path);
    }

    private static async Task PushAsync(HttpClient client)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1_000_000;
        var body = $"{{\"streams\":[{{\"stream\":{{\"app\":\"churn-api\"}},\"values\":[[\"{now}\",\"a\"],[\"{now + 1}\",\"b\"],[\"{now + 2}\",\"c\"]]}}]}}";
        using var r = await client.PostAsync("/loki/api/v1/push", new StringContent(body, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.NoContent, r.StatusCode);
    }

    private static async Task<List<long>> RawSampleTimesAsync(HttpClient prom)
    {
        try
        {
            var json = await prom.GetStringAsync("api/v1/query?query=" + Uri.EscapeDataString("churn:lines:count2m[2m]"));
            using var doc = JsonDocument.Parse(json);
            var result = doc.RootElement.GetProperty("data").GetProperty("result");
            if (result.GetArrayLength() == 0)
                return [];
            return result[0].GetProperty("values").EnumerateArray()
                .Select(v => (long)(v[0].GetDouble() * 1000)).ToList();
        }
        catch (HttpRequestException)
        {
            return [];
        }
    }

    /// <summary>The sum of <c>loki_prometheus_rule_group_iterations_total</c> over the server's rule groups.</summary>
    private static async Task<double> GroupIterationsAsync(HttpClient client)
    {
        var text = await client.GetStringAsync("/metrics");
        return text.Split('\n').Where(l => l.StartsWith("loki_prometheus_rule_group_iterations_total{", StringComparison.Ordinal))
            .Sum(l => double.Parse(l[(l.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task Samples_recorded_while_Prometheus_is_down_arrive_after_it_restarts()
    {
        var promDir = Directory.CreateTempSubdirectory("sawmill-ruler-prom-").FullName;
        var port = ExternalProcess.FreePort();
        var prom = await ExternalProcess.PrometheusAsync(promDir, port);
        var (dir, config) = await SetupAsync(prom.Address);
        await using var sawmill = await SawmillProcess.StartAsync(["-config.file=" + config]);
        using var client = sawmill.CreateClient();
        using var promClient = new HttpClient { BaseAddress = prom.Address, Timeout = TimeSpan.FromSeconds(5) };
        await PushAsync(client);

        var deadline = DateTime.UtcNow.AddSeconds(30);
        while ((await RawSampleTimesAsync(promClient)).Count == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "no sample reached Prometheus\n" + sawmill.Output);
            await Task.Delay(250);
        }
        await prom.KillAsync();
        var downFrom = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        // Keep Prometheus down for four more group evaluations (recorded into the remote-write queue), counted on
        // Sawmill's /metrics rather than waited for by the clock.
        var iterations = await GroupIterationsAsync(client);
        deadline = DateTime.UtcNow.AddSeconds(60);
        while (await GroupIterationsAsync(client) < iterations + 4)
        {
            Assert.True(DateTime.UtcNow < deadline, "the rule group stopped evaluating while Prometheus was down\n" + sawmill.Output);
            await Task.Delay(100);
        }
        var downTo = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        await using var prom2 = await ExternalProcess.PrometheusAsync(promDir, port);

        deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var times = await RawSampleTimesAsync(promClient);
            var during = times.Count(t => t > downFrom + 500 && t < downTo - 500);
            if (during >= 2)
                break;
            Assert.True(DateTime.UtcNow < deadline, $"samples from the outage never arrived ({during} of them; {times.Count} total)\n" + sawmill.Output);
            await Task.Delay(250);
        }
        await prom.DisposeAsync();
        Directory.Delete(dir, true);
    }

    [Fact]
    public async Task Firing_alert_stays_firing_with_its_start_time_across_a_sawmill_restart()
    {
        var (dir, config) = await SetupAsync(null);
        var dataDir = Path.Combine(dir, "data");
        Directory.CreateDirectory(dataDir);
        string activeAt;
        await using (var first = await SawmillProcess.StartAsync(["-config.file=" + config], dataDir))
        {
            using var client = first.CreateClient();
            await PushAsync(client);
            activeAt = await FiringActiveAtAsync(client, first);
            await first.StopAsync();
        }
        await using var second = await SawmillProcess.StartAsync(["-config.file=" + config], dataDir);
        using var client2 = second.CreateClient();
        Assert.Equal(activeAt, await FiringActiveAtAsync(client2, second));
        await second.DisposeAsync();
        Directory.Delete(dir, true);
    }

    private static async Task<string> FiringActiveAtAsync(HttpClient client, SawmillProcess process)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            using (var doc = JsonDocument.Parse(await client.GetStringAsync("/prometheus/api/v1/alerts")))
            {
                var alerts = doc.RootElement.GetProperty("data").GetProperty("alerts");
                if (alerts.GetArrayLength() == 1 && alerts[0].GetProperty("state").GetString() == "firing")
                    return alerts[0].GetProperty("activeAt").GetString()!;
            }
            Assert.True(DateTime.UtcNow < deadline, "alert never fired\n" + process.Output);
            await Task.Delay(200);
        }
    }
}
