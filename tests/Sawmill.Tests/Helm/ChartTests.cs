using System.Globalization;
using Sawmill.Agent.Config;
using Sawmill.Commands;
using Sawmill.Server.Config;
using Sawmill.Testing;
using YamlDotNet.RepresentationModel;

namespace Sawmill.Tests.Helm;

/// <summary>
/// deploy/helm/sawmill rendered with <see cref="HelmRenderer"/> (as <c>helm template</c> would), and its objects checked
/// against the binary: container args are flags the server and agent accept, the config files they name load, the
/// ports, probes and mounts match what the configs say, the agent's RBAC covers what discovery lists and watches, and
/// the probes' paths answer on a real server started with the rendered config.
/// </summary>
public sealed class ChartTests
{
    private static readonly HelmRenderer Renderer = new(RepositoryFiles.Path("deploy", "helm", "sawmill"));

    private static string CourseValues => File.ReadAllText(RepositoryFiles.Path("examples", "course", "loki-values.yaml"));

    /// <summary>The course's exercise 1: helm install loki … --namespace monitoring with its values and --set flags.</summary>
    private static HelmRenderer.Output Course() => Renderer.Render("loki", "monitoring", [CourseValues],
        ["grafana.enabled=false", "prometheus.enabled=false", "loki.persistence.enabled=true", "loki.persistence.size=10Gi"]);

    private static YamlMappingNode Get(List<YamlMappingNode> objects, string kind, string name) =>
        objects.SingleOrDefault(o => S(o, "kind") == kind && S(o, "metadata", "name") == name)
        ?? throw new InvalidOperationException($"no {kind} {name} among: " + string.Join(", ", objects.Select(o => S(o, "kind") + "/" + S(o, "metadata", "name"))));

    private static YamlNode? N(YamlNode? node, params string[] path)
    {
        foreach (var p in path)
        {
            node = node switch
            {
                YamlMappingNode m => m.Children.TryGetValue(new YamlScalarNode(p), out var v) ? v : null,
                YamlSequenceNode s when int.TryParse(p, CultureInfo.InvariantCulture, out var i) => i < s.Children.Count ? s.Children[i] : null,
                _ => null,
            };
        }
        return node;
    }

    private static string? S(YamlNode? node, params string[] path) => (N(node, path) as YamlScalarNode)?.Value;

    private static IEnumerable<YamlNode> Seq(YamlNode? node, params string[] path) => (N(node, path) as YamlSequenceNode)?.Children ?? [];

    private static YamlMappingNode Container(YamlMappingNode workload) => (YamlMappingNode)Seq(workload, "spec", "template", "spec", "containers").Single();

    private static List<string> Args(YamlMappingNode container) => Seq(container, "args").Select(a => ((YamlScalarNode)a).Value!).ToList();

    private static string ConfigMapFile(List<YamlMappingNode> objects, string name, string key) => S(Get(objects, "ConfigMap", name), "data", key)!;

    /// <summary>The mount path of the volume named <paramref name="volume"/> in <paramref name="container"/>.</summary>
    private static string MountPath(YamlMappingNode container, string volume) =>
        S(Seq(container, "volumeMounts").Single(m => S(m, "name") == volume), "mountPath")!;

    private static int NamedPort(YamlMappingNode container, string name) =>
        int.Parse(S(Seq(container, "ports").Single(p => S(p, "name") == name), "containerPort")!, CultureInfo.InvariantCulture);

    [Fact]
    public void Single_binary_server_objects_match_the_binary_flags_and_its_config()
    {
        var objects = Course().Objects();
        var sts = Get(objects, "StatefulSet", "loki");
        Assert.Equal("1", S(sts, "spec", "replicas"));
        var c = Container(sts);
        var args = Args(c);

        // Every arg is a server flag; -config.file names the ConfigMap key at the config volume's mount path.
        var flags = ServerFlags.Parse(args.ToArray());
        Assert.Equal("all", flags.Get("target"));
        Assert.True(flags.Bool("config.expand-env"));
        var configFile = flags.Get("config.file")!;
        var configVolume = Seq(sts, "spec", "template", "spec", "volumes").Single(v => S(v, "name") == "config");
        Assert.Equal("loki-config", S(configVolume, "configMap", "name"));
        Assert.Equal(MountPath(c, "config") + "/config.yaml", configFile);
        var yaml = ConfigMapFile(objects, "loki-config", "config.yaml");

        // The config loads with the server's own loader and agrees with the pod: listen address, port, data volume.
        var config = ConfigLoader.Load(yaml, expandEnv: true);
        Assert.Equal("0.0.0.0", config.HttpListenAddress);
        Assert.Equal(config.HttpListenPort, NamedPort(c, "http"));
        Assert.Equal(MountPath(c, "data"), config.PathPrefix);
        Assert.Equal("/tmp", MountPath(c, "tmp"));
        // What the course's values mean to Sawmill: no auth, 7 days retention, its ingestion and chunk settings.
        Assert.False(config.AuthEnabled);
        Assert.Equal(TimeSpan.FromDays(7), config.Limits.RetentionPeriod);
        Assert.Equal(10, config.Limits.IngestionRateMb);
        Assert.Equal(20, config.Limits.IngestionBurstSizeMb);
        Assert.Equal(TimeSpan.FromMinutes(3), config.ChunkIdlePeriod);
        Assert.Equal(262144, config.ChunkBlockSize);
        // … and the rest is accepted with one warning each, as the server logs them.
        Assert.Contains(config.Warnings, w => w.Contains("schema_config", StringComparison.Ordinal));
        Assert.Contains(config.Warnings, w => w.Contains("storage_config", StringComparison.Ordinal));
        Assert.Contains(config.Warnings, w => w.Contains("ingester.max_transfer_retries", StringComparison.Ordinal));

        // Probes: readiness and startup on /ready, liveness on /metrics, on the named http port.
        Assert.Equal("/ready", S(c, "readinessProbe", "httpGet", "path"));
        Assert.Equal("/ready", S(c, "startupProbe", "httpGet", "path"));
        Assert.Equal("/metrics", S(c, "livenessProbe", "httpGet", "path"));
        Assert.All(new[] { "readinessProbe", "startupProbe", "livenessProbe" }, p => Assert.Equal("http", S(c, p, "httpGet", "port")));

        // The image's user and read-only root filesystem (deploy/docker/Dockerfile.server: USER 1654, extraction to /tmp).
        Assert.Equal("1654", S(sts, "spec", "template", "spec", "securityContext", "runAsUser"));
        Assert.Equal("true", S(c, "securityContext", "readOnlyRootFilesystem"));
        Assert.Contains("USER 1654:1654", File.ReadAllText(RepositoryFiles.Path("deploy", "docker", "Dockerfile.server")), StringComparison.Ordinal);

        // Persistence from the course's --set flags.
        var claim = Seq(sts, "spec", "volumeClaimTemplates").Single();
        Assert.Equal("data", S(claim, "metadata", "name"));
        Assert.Equal("10Gi", S(claim, "spec", "resources", "requests", "storage"));

        // The service the course's Grafana and Promtail use: http://loki:3100.
        var svc = Get(objects, "Service", "loki");
        Assert.Equal("3100", S(svc, "spec", "ports", "0", "port"));
        Assert.Equal("http", S(svc, "spec", "ports", "0", "targetPort"));
        Assert.Equal(S(sts, "spec", "serviceName"), S(Get(objects, "Service", "loki-headless"), "metadata", "name"));
        foreach (var (k, v) in ((YamlMappingNode)N(svc, "spec", "selector")!).Children)
            Assert.Equal(v, N(sts, "spec", "template", "metadata", "labels", ((YamlScalarNode)k).Value!));
    }

    [Fact]
    public async Task The_rendered_server_config_starts_a_real_server_whose_probe_paths_answer()
    {
        var objects = Renderer.Render("loki", "monitoring", [CourseValues]).Objects();
        var c = Container(Get(objects, "StatefulSet", "loki"));
        var dir = Directory.CreateTempSubdirectory("chart-server-").FullName;
        try
        {
            // The rendered file as the pod sees it; only the data directory and the port differ on this machine.
            var file = Path.Combine(dir, "config.yaml");
            File.WriteAllText(file, ConfigMapFile(objects, "loki-config", "config.yaml"));
            var args = Args(c).Select(a => a.StartsWith("-config.file=", StringComparison.Ordinal) ? "-config.file=" + file : a).ToList();
            await using var server = await SawmillProcess.StartAsync(args, dataDir: Path.Combine(dir, "data"));
            using var http = server.CreateClient();
            foreach (var probe in new[] { "readinessProbe", "startupProbe", "livenessProbe" })
                Assert.True((await http.GetAsync(S(c, probe, "httpGet", "path"))).IsSuccessStatusCode, probe);
            Assert.Contains("not used by Sawmill", server.Output, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public async Task Agent_daemonset_runs_the_course_promtail_config_with_the_chart_path_rule_and_rbac_for_discovery()
    {
        var objects = Course().Objects();
        var ds = Get(objects, "DaemonSet", "loki-agent");
        var c = Container(ds);
        var args = Args(c);
        var configFile = args.Single(a => a.StartsWith("-config.file=", StringComparison.Ordinal))["-config.file=".Length..];
        Assert.Equal(MountPath(c, "config") + "/config.yaml", configFile);
        var yaml = ConfigMapFile(objects, "loki-agent", "config.yaml");

        // The agent accepts the args and the file (-check-syntax runs the real command-line parsing and loading).
        var dir = Directory.CreateTempSubdirectory("chart-agent-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(dir, "config.yaml"), yaml);
            var local = args.Select(a => a.StartsWith("-config.file=", StringComparison.Ordinal) ? "-config.file=" + Path.Combine(dir, "config.yaml") : a);
            Assert.Equal(0, await AgentCommand.RunAsync([.. local, "-check-syntax"]));
        }
        finally
        {
            Directory.Delete(dir, true);
        }
        var config = AgentConfigLoader.Load(yaml, expandEnv: true);
        Assert.Empty(config.Warnings);

        // The course's client URL reaches this release's service; the port is the one the pod exposes and probes.
        var client = Assert.Single(config.Clients).Url;
        Assert.Equal("loki", client.Host);
        Assert.Equal(int.Parse(S(Get(objects, "Service", "loki"), "spec", "ports", "0", "port")!, CultureInfo.InvariantCulture), client.Port);
        Assert.Equal(config.Server.HttpListenPort, NamedPort(c, "http-metrics"));
        Assert.Equal("/ready", S(c, "readinessProbe", "httpGet", "path"));
        Assert.Equal("/metrics", S(c, "livenessProbe", "httpGet", "path"));

        // The course's job, unchanged, plus what the Promtail chart adds: the __path__ rule over the mounted pod logs,
        // and the cri stage.
        var job = Assert.Single(config.ScrapeConfigs);
        Assert.Equal(KubernetesRole.Pod, Assert.Single(job.KubernetesSdConfigs).Role);
        Assert.Equal(6, job.RelabelConfigs.Count);
        var path = job.RelabelConfigs[^1];
        Assert.Equal("__path__", path.TargetLabel);
        Assert.Equal(["__meta_kubernetes_pod_uid", "__meta_kubernetes_pod_container_name"], path.SourceLabels);
        Assert.Equal("/", path.Separator);
        Assert.Equal("/var/log/pods/*$1/*.log", path.Replacement);
        Assert.Equal("cri", Assert.Single(job.PipelineStages).Keys.Single());
        Assert.Equal("/var/log/pods", MountPath(c, "pods"));
        var podsVolume = Seq(ds, "spec", "template", "spec", "volumes").Single(v => S(v, "name") == "pods");
        Assert.Equal("/var/log/pods", S(podsVolume, "hostPath", "path"));
        Assert.Equal("true", S(Seq(c, "volumeMounts").Single(m => S(m, "name") == "pods"), "readOnly"));

        // Discovery lists only this node's pods: HOSTNAME is the node name.
        var hostname = Seq(c, "env").Single(e => S(e, "name") == "HOSTNAME");
        Assert.Equal("spec.nodeName", S(hostname, "valueFrom", "fieldRef", "fieldPath"));

        // RBAC: the DaemonSet's service account may get, list and watch pods and nodes (and services, endpoints).
        var sa = S(ds, "spec", "template", "spec", "serviceAccountName");
        Assert.Equal("loki-agent", S(Get(objects, "ServiceAccount", sa!), "metadata", "name"));
        var binding = Get(objects, "ClusterRoleBinding", "monitoring-loki-agent");
        Assert.Equal(sa, S(binding, "subjects", "0", "name"));
        Assert.Equal("monitoring", S(binding, "subjects", "0", "namespace"));
        var role = Get(objects, "ClusterRole", S(binding, "roleRef", "name")!);
        var rule = Seq(role, "rules").Single();
        Assert.Equal([""], Seq(rule, "apiGroups").Select(x => ((YamlScalarNode)x).Value));
        Assert.Superset(new HashSet<string> { "pods", "nodes" }, Seq(rule, "resources").Select(x => ((YamlScalarNode)x).Value!).ToHashSet());
        Assert.Equal(["get", "list", "watch"], Seq(rule, "verbs").Select(x => ((YamlScalarNode)x).Value));

        // Positions: the course keeps them in /tmp, a writable emptyDir under the read-only root filesystem.
        Assert.Equal("/tmp/positions.yaml", config.Positions.Filename);
        Assert.Equal("/tmp", MountPath(c, "tmp"));
        Assert.Equal("true", S(c, "securityContext", "readOnlyRootFilesystem"));
    }

    [Fact]
    public void Without_a_promtail_config_the_agent_gets_a_complete_default()
    {
        var objects = Renderer.Render("logs", "obs").Objects();
        var yaml = ConfigMapFile(objects, "logs-agent", "config.yaml");
        var config = AgentConfigLoader.Load(yaml);
        Assert.Empty(config.Warnings);
        Assert.Equal("http://logs:3100/loki/api/v1/push", Assert.Single(config.Clients).Url.ToString());
        var c = Container(Get(objects, "DaemonSet", "logs-agent"));
        Assert.StartsWith(MountPath(c, "positions") + "/", config.Positions.Filename, StringComparison.Ordinal);
        var job = Assert.Single(config.ScrapeConfigs);
        Assert.Equal(["namespace", "pod", "container", "app", "node_name", "__path__"], job.RelabelConfigs.Select(r => r.TargetLabel));
        Assert.Equal("cri", Assert.Single(job.PipelineStages).Keys.Single());
    }

    [Fact]
    public void The_grafana_data_source_is_the_course_s_pointing_at_this_release()
    {
        var objects = Course().Objects();
        var cm = Get(objects, "ConfigMap", "loki-grafana-datasource");
        Assert.Equal("1", S(cm, "metadata", "labels", "grafana_datasource"));
        var ds = HelmRenderer.LoadYaml(S(cm, "data", "loki-datasource.yaml")!);
        Assert.Equal("1", S(ds, "apiVersion"));
        var source = N(ds, "datasources", "0");
        Assert.Equal("Loki", S(source, "name"));
        Assert.Equal("loki", S(source, "type"));
        Assert.Equal("proxy", S(source, "access"));
        Assert.Equal("http://loki.monitoring.svc.cluster.local:3100", S(source, "url"));
        Assert.Equal("1000", S(source, "jsonData", "maxLines"));
    }

    [Fact]
    public void Values_the_chart_does_not_use_are_listed_as_warnings()
    {
        var notes = Course().Notes;
        Assert.Contains("WARNING: values key prometheus is not used by the sawmill chart; ignored.", notes, StringComparison.Ordinal);
        Assert.Contains("WARNING: values key grafana.enabled is not used by the sawmill chart (it does not install Grafana); ignored.", notes, StringComparison.Ordinal);
        Assert.Contains("http://loki:3100", notes, StringComparison.Ordinal);
        Assert.DoesNotContain("WARNING: values key loki.", notes, StringComparison.Ordinal);
        Assert.Contains("NOTE: promtail.config.positions.filename /tmp/positions.yaml is not on the positions volume", notes, StringComparison.Ordinal);
        var plain = Renderer.Render("loki", "monitoring").Notes;
        Assert.DoesNotContain("WARNING", plain, StringComparison.Ordinal);
        Assert.DoesNotContain("NOTE:", plain, StringComparison.Ordinal);
    }

    private const string ScalableValues = """
        deploymentMode: SimpleScalable
        loki:
          config:
            auth_enabled: true
            common:
              replication_factor: 3
              ring:
                kvstore:
                  store: etcd
                  etcd:
                    endpoints: [etcd.monitoring:2379]
              storage:
                s3:
                  endpoint: minio.monitoring:9000
                  bucketnames: sawmill
                  access_key_id: ${S3_ACCESS_KEY}
                  secret_access_key: ${S3_SECRET_KEY}
                  s3forcepathstyle: true
                  insecure: true
        """;

    [Fact]
    public void Simple_scalable_mode_runs_write_read_and_backend_targets_behind_a_gateway()
    {
        var objects = Renderer.Render("loki", "monitoring", [ScalableValues]).Objects();
        Assert.DoesNotContain(objects, o => S(o, "kind") == "StatefulSet" && S(o, "metadata", "name") == "loki");
        var expected = new[] { ("write", "StatefulSet", "3"), ("read", "Deployment", "2"), ("backend", "StatefulSet", "1") };
        foreach (var (target, kind, replicas) in expected)
        {
            var workload = Get(objects, kind, "loki-" + target);
            Assert.Equal(replicas, S(workload, "spec", "replicas"));
            var c = Container(workload);
            var flags = ServerFlags.Parse(Args(c).ToArray());
            Assert.Equal(target, flags.Get("target"));
            Assert.True(flags.Bool("config.expand-env"));
            // Each node registers its pod IP and name on the ring (expanded from the environment the pod sets).
            Assert.Equal(["POD_IP", "POD_NAME"], Seq(c, "env").Select(e => S(e, "name")));
            Assert.Equal("status.podIP", S(Seq(c, "env").First(), "valueFrom", "fieldRef", "fieldPath"));
            Assert.Equal(kind == "StatefulSet", Seq(workload, "spec", "volumeClaimTemplates").Any());
            Get(objects, "Service", "loki-" + target);
        }
        var yaml = ConfigMapFile(objects, "loki-config", "config.yaml");
        Environment.SetEnvironmentVariable("POD_IP", "10.244.3.7");
        Environment.SetEnvironmentVariable("POD_NAME", "loki-write-0");
        try
        {
            var config = ConfigLoader.Load(yaml, expandEnv: true);
            Assert.True(config.AuthEnabled);
            Assert.Equal("/var/lib/sawmill", config.PathPrefix);
        }
        finally
        {
            Environment.SetEnvironmentVariable("POD_IP", null);
            Environment.SetEnvironmentVariable("POD_NAME", null);
        }
        var common = N(HelmRenderer.LoadYaml(yaml), "common");
        Assert.Equal("${POD_IP}", S(common, "instance_addr"));
        Assert.Equal("${POD_NAME}", S(common, "ring", "instance_id"));
        Assert.Equal("etcd", S(common, "ring", "kvstore", "store"));

        // http://loki:3100 is the gateway: pushes go to loki-write, rules to loki-backend, queries to loki-read.
        var gateway = Get(objects, "Service", "loki");
        Assert.Equal("gateway", S(gateway, "spec", "selector", "app.kubernetes.io/component"));
        var nginx = ConfigMapFile(objects, "loki-gateway", "nginx.conf");
        Assert.Contains("location = /loki/api/v1/push { proxy_pass http://loki-write.monitoring.svc.cluster.local:3100$request_uri; }", nginx, StringComparison.Ordinal);
        Assert.Contains("proxy_pass http://loki-backend.monitoring.svc.cluster.local:3100$request_uri;", nginx, StringComparison.Ordinal);
        Assert.Contains("proxy_pass http://loki-read.monitoring.svc.cluster.local:3100$request_uri;", nginx, StringComparison.Ordinal);
        var gw = Container(Get(objects, "Deployment", "loki-gateway"));
        Assert.Equal(8080, NamedPort(gw, "http"));
        Assert.Contains("listen 8080;", nginx, StringComparison.Ordinal);
        Assert.Equal("http://loki:3100/loki/api/v1/push", Assert.Single(AgentConfigLoader.Load(ConfigMapFile(objects, "loki-agent", "config.yaml")).Clients).Url.ToString());
    }

    [Theory]
    [InlineData("deploymentMode: SimpleScalable", "needs a bucket: set loki.config.common.storage.s3")]
    [InlineData("deploymentMode: Distributed", "deploymentMode \"Distributed\": use SingleBinary or SimpleScalable")]
    public void Bad_modes_fail_with_a_message(string values, string message)
    {
        var e = Assert.Throws<Sawmill.GoCompat.TemplateException>(() => Renderer.Render("loki", "monitoring", [values]));
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Disabling_persistence_and_the_agent_and_the_data_source()
    {
        var objects = Renderer.Render("loki", "monitoring", null,
            ["loki.persistence.enabled=false", "promtail.enabled=false", "grafana.datasource.enabled=false"]).Objects();
        var sts = Get(objects, "StatefulSet", "loki");
        Assert.Empty(Seq(sts, "spec", "volumeClaimTemplates"));
        Assert.NotNull(N(Seq(sts, "spec", "template", "spec", "volumes").Single(v => S(v, "name") == "data"), "emptyDir"));
        Assert.DoesNotContain(objects, o => S(o, "kind") is "DaemonSet" or "ClusterRole");
        Assert.DoesNotContain(objects, o => S(o, "metadata", "name") == "loki-grafana-datasource");
    }
}
