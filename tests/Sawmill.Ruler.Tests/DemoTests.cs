using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Sawmill.Testing;

namespace Sawmill.Ruler.Tests;

/// <summary>
/// <c>sawmill demo --fast</c> end to end as a newcomer runs it: the server, the churn API and the traffic generator as
/// real processes on free ports; a course alert reaches the ruler's firing state within about a minute; SIGTERM stops
/// every child.
/// </summary>
public sealed class DemoTests
{
    private static int FreePort()
    {
        using var l = new TcpListener(System.Net.IPAddress.Loopback, 0);
        l.Start();
        return ((System.Net.IPEndPoint)l.LocalEndpoint).Port;
    }

    [Fact]
    public async Task Demo_fires_a_course_alert_within_about_a_minute_and_stops_cleanly()
    {
        var port = FreePort();
        var apiPort = FreePort();
        var dataDir = Directory.CreateTempSubdirectory("sawmill-demo-test-").FullName;
        var psi = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { SawmillProcess.DllPath, "demo", "--port", port.ToString(CultureInfo.InvariantCulture),
                     "--api-port", apiPort.ToString(CultureInfo.InvariantCulture), "--fast", "--data", dataDir, "--incident-after", "off" })
            psi.ArgumentList.Add(a);
        var output = new StringBuilder();
        using var demo = new Process { StartInfo = psi };
        demo.OutputDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
        demo.ErrorDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
        demo.Start();
        demo.BeginOutputReadLine();
        demo.BeginErrorReadLine();
        string Output() { lock (output) return output.ToString(); }
        try
        {
            using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(10) };
            // Started (the ChurnApi example may have to be built first), then firing within about a minute of traffic.
            await RulerTestSupport.EventuallyAsync(async () => Output().Contains("Sawmill demo is running", StringComparison.Ordinal) ? "up" : null,
                TimeSpan.FromMinutes(3), () => "demo did not start\n" + Output());
            var trafficStarted = DateTime.UtcNow;
            var firing = await RulerTestSupport.EventuallyAsync(async () =>
            {
                if (demo.HasExited)
                    throw new InvalidOperationException("demo exited\n" + Output());
                try
                {
                    using var doc = JsonDocument.Parse(await client.GetStringAsync("/prometheus/api/v1/alerts"));
                    var alerts = doc.RootElement.GetProperty("data").GetProperty("alerts").EnumerateArray()
                        .Where(a => a.GetProperty("state").GetString() == "firing").Select(a => a.Clone()).ToList();
                    return alerts.Count > 0 ? alerts : null;
                }
                catch (HttpRequestException)
                {
                    return null;
                }
            }, TimeSpan.FromSeconds(75), () => "no course alert fired within 75 s of traffic\n" + Output());
            var elapsed = DateTime.UtcNow - trafficStarted;
            var names = firing.Select(a => RulerTestSupport.Label(a, "alertname")).ToList();
            Assert.Contains("DatabaseConnectionError", names);
            Assert.True(elapsed < TimeSpan.FromSeconds(75), $"took {elapsed}");

            // The walkthrough's first queries answer with the churn API's JSON logs.
            var q = Uri.EscapeDataString("{app=\"churn-api\"} | json | message=\"Prediction successful\"");
            using (var doc = JsonDocument.Parse(await client.GetStringAsync($"/loki/api/v1/query_range?query={q}&limit=5&since=5m")))
                Assert.True(doc.RootElement.GetProperty("data").GetProperty("result").GetArrayLength() > 0, "no Prediction successful lines");
            var lines = Uri.EscapeDataString("sum by (level) (count_over_time({app=\"churn-api\"}[5m]))");
            using (var doc = JsonDocument.Parse(await client.GetStringAsync($"/loki/api/v1/query?query={lines}")))
            {
                var levels = doc.RootElement.GetProperty("data").GetProperty("result").EnumerateArray()
                    .Select(r => r.GetProperty("metric").GetProperty("level").GetString()).ToList();
                Assert.Contains("INFO", levels);
                Assert.Contains("ERROR", levels);
            }
        }
        finally
        {
            if (!demo.HasExited)
            {
                using (var kill = Process.Start("kill", ["-TERM", demo.Id.ToString(CultureInfo.InvariantCulture)]))
                    await kill.WaitForExitAsync();
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(40));
                try
                {
                    await demo.WaitForExitAsync(cts.Token);
                }
                catch (OperationCanceledException)
                {
                    demo.Kill(entireProcessTree: true);
                }
            }
        }
        Assert.Equal(0, demo.ExitCode);
        Assert.Contains("sawmill demo: stopping", Output());
        // Every child is gone: the ports are free again.
        foreach (var p in new[] { port, apiPort })
        {
            using var l = new TcpListener(System.Net.IPAddress.Loopback, p);
            l.Start();
        }
        Directory.Delete(dataDir, true);
    }
}
