using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Sawmill.Logging.Tests.Support;
using Sawmill.Testing;

namespace Sawmill.Logging.Tests.Example;

/// <summary><c>sawmill demo</c> as a real process: the churn API's logs reach the demo's server; SIGTERM stops everything.</summary>
public sealed class DemoCommandTests
{
    private static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    [Fact]
    public async Task The_demo_pushes_the_churn_APIs_logs_to_its_server_writes_the_rules_and_stops_on_SIGTERM()
    {
        var port = FreePort();
        var apiPort = FreePort();
        var data = Directory.CreateTempSubdirectory("sawmill-demo-test-").FullName;
        var output = new StringBuilder();
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { SawmillProcess.DllPath, "demo", "--port", port.ToString(CultureInfo.InvariantCulture),
                     "--api-port", apiPort.ToString(CultureInfo.InvariantCulture), "--rps", "10", "--incident-after", "off", "--data", data })
            psi.ArgumentList.Add(a);
        using var demo = Process.Start(psi)!;
        demo.OutputDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
        demo.ErrorDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
        demo.BeginOutputReadLine();
        demo.BeginErrorReadLine();
        try
        {
            using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/"), Timeout = TimeSpan.FromSeconds(10) };
            var since = DateTimeOffset.UtcNow.AddMinutes(-1);
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(120);
            List<LokiQuery.Line> lines = [];
            while (DateTime.UtcNow < deadline && !demo.HasExited)
            {
                try
                {
                    lines = await LokiQuery.RangeAsync(client, "{app=\"churn-api\", env=\"demo\"} |= \"Prediction successful\"", since, 10);
                    if (lines.Count > 0)
                        break;
                }
                catch (HttpRequestException)
                {
                }
                await Task.Delay(500);
            }
            string text;
            lock (output)
                text = output.ToString();
            Assert.True(lines.Count > 0, "no churn-api lines reached the demo's server:\n" + text);
            Assert.Equal("INFO", lines[0].Labels["level"]);
            Assert.StartsWith("gen-1-", lines[0].Json.GetProperty("request_id").GetString(), StringComparison.Ordinal);
            var rules = await File.ReadAllTextAsync(Path.Combine(data, "rules", "fake", "churn-api.yaml"));
            foreach (var alert in new[] { "HighErrorRate", "DatabaseConnectionError", "LowConfidencePredictions", "MissingFeatures" })
                Assert.Contains("alert: " + alert, rules, StringComparison.Ordinal);
            Assert.Contains($"http://127.0.0.1:{port}/", text, StringComparison.Ordinal);

            using (var kill = Process.Start("kill", ["-TERM", demo.Id.ToString(CultureInfo.InvariantCulture)]))
                await kill.WaitForExitAsync();
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            await demo.WaitForExitAsync(cts.Token);
            Assert.Equal(0, demo.ExitCode);
            // The children are gone: nothing answers on either port any more.
            await Assert.ThrowsAnyAsync<HttpRequestException>(() => client.GetAsync("ready"));
            await Assert.ThrowsAnyAsync<HttpRequestException>(() => client.GetAsync($"http://127.0.0.1:{apiPort}/health"));
        }
        finally
        {
            if (!demo.HasExited)
                demo.Kill(entireProcessTree: true);
            try
            {
                Directory.Delete(data, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }
}
