using Sawmill.Agent.Config;

namespace Sawmill.Agent.Tests.Config;

public sealed class AgentConfigPrinterTests
{
    private const string Full = """
        server:
          http_listen_port: 9081
        positions:
          filename: /tmp/p.yaml
          sync_period: 2m30s
        clients:
          - url: http://loki:3100/loki/api/v1/push
            tenant_id: team-a
            batchwait: 250ms
            batchsize: 2048
            backoff_config:
              min_period: 1s
              max_period: 1m
              max_retries: 3
            external_labels:
              cluster: prod
            basic_auth:
              username: u
              password: hunter2
            headers:
              X-Extra: also-secret
        scrape_configs:
          - job_name: app
            static_configs:
              - targets: [localhost]
                labels:
                  job: app
                  __path__: /var/log/app/**/*.log
            relabel_configs:
              - source_labels: [__path__]
                regex: '/var/log/([^/]+)/.*'
                target_label: app
              - action: hashmod
                source_labels: [job]
                modulus: 4
                target_label: shard
            pipeline_stages:
              - json:
                  expressions:
                    level: level
              - labels:
                  level:
              - timestamp:
                  source: ts
                  format: RFC3339Nano
        """;

    [Fact]
    public void Printed_config_loads_back_to_the_same_effective_config_without_secrets()
    {
        var original = AgentConfigLoader.Load(Full);
        var printed = AgentConfigPrinter.Print(original);
        Assert.DoesNotContain("hunter2", printed, StringComparison.Ordinal);
        Assert.DoesNotContain("also-secret", printed, StringComparison.Ordinal);
        var reloaded = AgentConfigLoader.Load(printed);
        Assert.Equal(original.Server, reloaded.Server);
        Assert.Equal(original.Positions, reloaded.Positions);
        Assert.Equal(original.Limits, reloaded.Limits);
        Assert.Equal(original.TargetSyncPeriod, reloaded.TargetSyncPeriod);
        var (a, b) = (original.Clients.Single(), reloaded.Clients.Single());
        Assert.Equal((a.Url, a.TenantId, a.BatchWait, a.BatchSize, a.Backoff, a.BasicAuthUser), (b.Url, b.TenantId, b.BatchWait, b.BatchSize, b.Backoff, b.BasicAuthUser));
        Assert.Equal(a.ExternalLabels, b.ExternalLabels);
        var (s, t) = (original.ScrapeConfigs.Single(), reloaded.ScrapeConfigs.Single());
        Assert.Equal(s.JobName, t.JobName);
        Assert.Equal(s.StaticConfigs.Single().Labels, t.StaticConfigs.Single().Labels);
        Assert.Equal(s.RelabelConfigs.Select(r => (r.Action, r.RegexText, r.Replacement, r.TargetLabel, r.Modulus, string.Join(",", r.SourceLabels))),
            t.RelabelConfigs.Select(r => (r.Action, r.RegexText, r.Replacement, r.TargetLabel, r.Modulus, string.Join(",", r.SourceLabels))));
        Assert.Equal(s.PipelineStages.Select(m => string.Join(",", m.Keys)), t.PipelineStages.Select(m => string.Join(",", m.Keys)));
        Assert.Equal("RFC3339Nano", t.PipelineStages[2].Map("timestamp")!.Str("format"));
        Assert.Contains("sync_period: 2m30s", printed, StringComparison.Ordinal);
    }
}
