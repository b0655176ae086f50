using Sawmill.Agent.Config;
using Sawmill.Agent.Discovery;
using Sawmill.Agent.Relabel;
using Sawmill.Testing;

namespace Sawmill.Agent.Tests.Config;

public sealed class AgentConfigLoaderTests
{
    /// <summary>The course's Helm values (its promtail.config is what this loads), from examples/course.</summary>
    internal static string CourseValues => File.ReadAllText(RepositoryFiles.Path("examples", "course", "loki-values.yaml"));


    [Fact]
    public void The_course_promtail_values_load()
    {
        var c = AgentConfigLoader.Load(CourseValues);
        Assert.Equal("http://loki:3100/loki/api/v1/push", Assert.Single(c.Clients).Url.ToString());
        Assert.Equal("/tmp/positions.yaml", c.Positions.Filename);
        var sc = Assert.Single(c.ScrapeConfigs);
        Assert.Equal("kubernetes-pods", sc.JobName);
        Assert.Equal(KubernetesRole.Pod, Assert.Single(sc.KubernetesSdConfigs).Role);
        Assert.Equal(5, sc.RelabelConfigs.Count);
        Assert.Equal(RelabelAction.Keep, sc.RelabelConfigs[0].Action);
        Assert.Empty(c.Warnings);
    }

    [Fact]
    public void Client_and_positions_keys_and_defaults()
    {
        var c = AgentConfigLoader.Load("""
            server: { http_listen_port: 9999 }
            positions: { filename: /p/x.yaml, sync_period: 3s }
            clients:
              - url: https://logs.example.com/loki/api/v1/push
                tenant_id: team-a
                batchwait: 2s
                batchsize: 524288
                timeout: 5s
                backoff_config: { min_period: 100ms, max_period: 10s, max_retries: 3 }
                external_labels: { cluster: c1 }
                basic_auth: { username: u, password: p }
                headers: { X-Extra: "1" }
              - url: http://second:3100/loki/api/v1/push
            scrape_configs:
              - job_name: varlogs
                static_configs:
                  - targets: [localhost]
                    labels: { job: varlogs, __path__: /var/log/*.log, __path_exclude__: /var/log/*.gz }
            """);
        var a = c.Clients[0];
        Assert.Equal("team-a", a.TenantId);
        Assert.Equal(TimeSpan.FromSeconds(2), a.BatchWait);
        Assert.Equal(524288, a.BatchSize);
        Assert.Equal(TimeSpan.FromMilliseconds(100), a.Backoff.Min);
        Assert.Equal(3, a.Backoff.MaxRetries);
        Assert.Equal("c1", a.ExternalLabels["cluster"]);
        Assert.Equal("u", a.BasicAuthUser);
        var b = c.Clients[1];
        Assert.Equal(TimeSpan.FromSeconds(1), b.BatchWait);
        Assert.Equal(1024 * 1024, b.BatchSize);
        Assert.Equal(TimeSpan.FromMilliseconds(500), b.Backoff.Min);
        Assert.Equal(TimeSpan.FromMinutes(5), b.Backoff.Max);
        Assert.Equal(TimeSpan.FromSeconds(3), c.Positions.SyncPeriod);
        Assert.Equal(9999, c.Server.HttpListenPort);
        Assert.Equal("/var/log/*.gz", c.ScrapeConfigs[0].StaticConfigs[0].Labels["__path_exclude__"]);
    }

    [Fact]
    public void Unknown_keys_warn_and_unsupported_sources_are_named()
    {
        var c = AgentConfigLoader.Load("""
            clients: [{ url: "http://x:3100/loki/api/v1/push", frobnicate: 1 }]
            scrape_configs:
              - job_name: j
                journal: { max_age: 12h }
            """);
        Assert.Contains(c.Warnings, w => w.Contains("clients[0].frobnicate"));
        Assert.Contains(c.Warnings, w => w.Contains("journal is not supported"));
    }

    [Theory]
    [InlineData("clients: [{ url: 'not a url' }]", "invalid URL")]
    [InlineData("clients: [{ url: 'http://x', batchwait: forever }]", "invalid duration")]
    [InlineData("scrape_configs: [{ job_name: a }, { job_name: a }]", "multiple scrape configs")]
    [InlineData("scrape_configs: [{ static_configs: [] }]", "job_name: required")]
    [InlineData("clients: [ {url: ", "yaml: line")]
    public void Bad_configs_give_clear_errors(string yaml, string message)
    {
        var e = Assert.Throws<ConfigException>(() => AgentConfigLoader.Load(yaml));
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void Expand_env_replaces_variables_and_defaults()
    {
        Environment.SetEnvironmentVariable("SAWMILL_AGENT_TEST_HOST", "h1");
        Assert.Equal("url: http://h1:3100 t=dflt $", AgentConfigLoader.ExpandEnv("url: http://${SAWMILL_AGENT_TEST_HOST}:3100 t=${SAWMILL_AGENT_TEST_NOPE:-dflt} $$"));
    }
}
