using System.Globalization;
using Sawmill.Testing;

namespace Sawmill.Agent.Tests.EndToEnd;

/// <summary>
/// What pipeline stages and relabelling do is visible in a real server's query results: labels, timestamps, the
/// output line, structured metadata, dropped entries; and pod logs discovered from the node's directory carry the
/// course's namespace/pod/container labels.
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

    [Fact]
    public async Task Pod_logs_from_the_node_directory_get_the_course_labels_and_cri_timestamps()
    {
        var pods = Path.Combine(_dir, "pods");
        var container = Directory.CreateDirectory(Path.Combine(pods, "shop_cart-7d9f8_0b1c2d3e-aaaa-bbbb-cccc-000000000001", "cart")).FullName;
        var other = Directory.CreateDirectory(Path.Combine(pods, "kube-system_coredns-1_0b1c2d3e-aaaa-bbbb-cccc-000000000002", "coredns")).FullName;
        var baseTime = DateTimeOffset.UtcNow.AddMinutes(-5);
        string Cri(int i, string stream, string flag, string text) =>
            $"{baseTime.AddSeconds(i).ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff", CultureInfo.InvariantCulture)}00Z {stream} {flag} {text}";
        // The course's relabel_configs, without its first rule: pod annotations only exist in the API server.
        const string yaml = """
            server:
              http_listen_port: 0
            positions:
              filename: DIR/positions.yaml
            clients:
              - url: URL/loki/api/v1/push
                batchwait: 100ms
            target_config:
              sync_period: 300ms
            scrape_configs:
              - job_name: kubernetes-pods
                kubernetes_sd_configs:
                  - role: pod
                relabel_configs:
                  - source_labels: [__meta_kubernetes_namespace]
                    target_label: namespace
                  - source_labels: [__meta_kubernetes_pod_name]
                    target_label: pod
                  - source_labels: [__meta_kubernetes_pod_container_name]
                    target_label: container
                  - source_labels: [__meta_kubernetes_pod_label_app]
                    target_label: app
                  - action: drop
                    source_labels: [namespace]
                    regex: kube-system
                pipeline_stages:
                  - cri: {}
            """;
        var config = E2E.WriteConfig(_dir, yaml.Replace("DIR", _dir, StringComparison.Ordinal).Replace("URL", _server.BaseAddress.ToString().TrimEnd('/'), StringComparison.Ordinal));
        await using var agent = await AgentProcess.StartAsync(config, "-kubernetes.pod-logs-dir=" + pods);
        File.WriteAllLines(Path.Combine(container, "0.log"),
        [
            Cri(0, "stdout", "F", "cart seq=000000 started"),
            Cri(1, "stderr", "P", "cart seq=000001 part one "),
            Cri(1, "stderr", "F", "and part two"),
            Cri(2, "stdout", "F", "cart seq=000002 ready"),
        ]);
        File.WriteAllLines(Path.Combine(other, "0.log"), [Cri(0, "stdout", "F", "cart seq=000099 from kube-system")]);

        using var http = _server.CreateClient();
        await E2E.WaitForAllAsync(http, "{namespace=\"shop\"}", "cart", 3, TimeSpan.FromSeconds(60), () => agent.Output);
        var entries = await E2E.QueryAsync(http, "{namespace=\"shop\", pod=\"cart-7d9f8\", container=\"cart\"}");
        Assert.Equal(["cart seq=000000 started", "cart seq=000001 part one and part two", "cart seq=000002 ready"], entries.Select(e => e.Line));
        Assert.Equal([0L, 1, 2], entries.Select(e => (e.Ns - baseTime.ToUnixTimeMilliseconds() * 1_000_000L) / 1_000_000_000L));
        Assert.Contains(entries, e => e.Labels.GetValueOrDefault("stream") == "stderr");
        Assert.DoesNotContain(await E2E.QueryAsync(http, "{container=~\".+\"}"), e => e.Labels["namespace"] == "kube-system");
    }
}
