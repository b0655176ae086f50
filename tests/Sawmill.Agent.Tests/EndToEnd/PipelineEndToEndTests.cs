using System.Globalization;
using Sawmill.Testing;

namespace Sawmill.Agent.Tests.EndToEnd;

/// <summary>
/// What pipeline stages and relabelling do is visible in a real server's query results: labels, timestamps, the
/// output line, structured metadata, dropped entries. (Pod logs through Kubernetes discovery: KubernetesEndToEndTests.)
/// </summary>
[Collection("end-to-end")]
public sealed class PipelineEndToEndTests : IAsyncLifetime
{
    private readonly string _dir = Directory.CreateTempSubdirectory("agent-e2e-pipe-").FullName;
    private SawmillProcess _server = null!;

    public async Task InitializeAsync() => _server = await SawmillProcess.StartAsync();

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task Stages_and_relabel_rules_show_up_as_labels_timestamps_and_lines_in_query_results()
    {
        var logs = Path.Combine(_dir, "logs");
        var billing = Directory.CreateDirectory(Path.Combine(logs, "billing", "2026")).FullName;
        var baseTime = DateTimeOffset.UtcNow.AddMinutes(-10);
        var lines = new List<string>();
        for (var i = 0; i < 30; i++)
        {
            var level = i % 3 == 0 ? "error" : i % 3 == 1 ? "info" : "debug";
            var ts = baseTime.AddMilliseconds(i * 7).ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
            lines.Add($"{{\"ts\":\"{ts}\",\"level\":\"{level}\",\"msg\":\"charge seq={i:D6} done\",\"user\":\"u{i % 5}\"}}");
        }
        const string scrape = """
                relabel_configs:
                  - source_labels: [__path__]
                    regex: '.*/logs/([^/]+)/.*'
                    target_label: app
                  - action: labeldrop
                    regex: scratch
                  - source_labels: [app]
                    target_label: team
                    action: replace
                    regex: (.*)
                    replacement: team-$1
                  - action: uppercase
                    source_labels: [team]
                    target_label: team_upper
                pipeline_stages:
                  - json:
                      expressions:
                        ts: ts
                        level: level
                        msg: msg
                        user: user
                  - labels:
                      level:
                  - match:
                      selector: '{level="debug"}'
                      action: drop
                  - timestamp:
                      source: ts
                      format: RFC3339Nano
                  - structured_metadata:
                      user:
                  - output:
                      source: msg
            """;
        // Relabelling sees the target's __path__ glob (as in Promtail), so "app" comes from the glob's directory.
        var yaml = E2E.Config(_dir, _server.BaseAddress, Path.Combine(logs, "billing", "**", "*.log"), scrape)
            .Replace("      job: e2e", "      job: e2e\n          scratch: remove-me", StringComparison.Ordinal);
        await using var agent = await AgentProcess.StartAsync(E2E.WriteConfig(_dir, yaml));
        File.WriteAllLines(Path.Combine(billing, "app.log"), lines);

        using var http = _server.CreateClient();
        var expected = Enumerable.Range(0, 30).Count(i => i % 3 != 2);
        var counts = await E2E.WaitForAllAsync(http, "{job=\"e2e\"}", "charge", expected, TimeSpan.FromSeconds(60), () => agent.Output);
        Assert.Equal(expected, counts.Count);
        Assert.DoesNotContain(counts.Keys, i => i % 3 == 2);

        var errors = await E2E.QueryAsync(http, "{job=\"e2e\", app=\"billing\", level=\"error\", team=\"team-billing\", team_upper=\"TEAM-BILLING\"}");
        Assert.Equal(10, errors.Count);
        foreach (var e in errors)
        {
            var i = E2E.SeqOf(e.Line);
            Assert.Equal($"charge seq={i:D6} done", e.Line);
            Assert.Equal(baseTime.AddMilliseconds(i * 7).ToUnixTimeMilliseconds() * 1_000_000L, e.Ns);
            Assert.False(e.Labels.ContainsKey("scratch"));
            Assert.Equal(Path.Combine(billing, "app.log"), e.Labels["filename"]);
        }
        // Structured metadata is not a stream label but can be filtered on.
        var u0 = await E2E.QueryAsync(http, "{job=\"e2e\"} | user=\"u0\"");
        Assert.Equal(Enumerable.Range(0, 30).Where(i => i % 3 != 2 && i % 5 == 0).ToList(), u0.Select(e => E2E.SeqOf(e.Line)).ToList());
        var series = await http.GetStringAsync("/loki/api/v1/labels");
        Assert.DoesNotContain("\"user\"", series);
    }
}
