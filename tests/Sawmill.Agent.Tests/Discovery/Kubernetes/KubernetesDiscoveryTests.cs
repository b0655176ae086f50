using Microsoft.Extensions.Logging.Abstractions;
using Sawmill.Agent.Config;
using Sawmill.Agent.Discovery;
using Sawmill.Agent.Discovery.Kubernetes;

namespace Sawmill.Agent.Tests.Discovery.Kubernetes;

/// <summary>
/// kubernetes_sd_configs against <see cref="FakeKubeApi"/>, in process: the meta labels and target layout of each
/// role, targets following watch events, re-watching after a dropped connection, relisting after 410 Gone, paging,
/// selectors, namespaces, attach_metadata.node, and the three ways of connecting (api_server, kubeconfig_file,
/// in-cluster over TLS with a service-account token).
/// </summary>
public sealed class KubernetesDiscoveryTests : IAsyncLifetime
{
    private FakeKubeApi _api = null!;
    private readonly List<KubernetesDiscovery> _started = [];

    public async Task InitializeAsync() => _api = await FakeKubeApi.StartAsync();

    public async Task DisposeAsync()
    {
        foreach (var d in _started)
            await d.DisposeAsync();
        await _api.DisposeAsync();
    }

    private static KubernetesSdConfig Parse(string entryYaml)
    {
        var indented = string.Join("\n", entryYaml.Split('\n').Select(l => "      " + l));
        var c = AgentConfigLoader.Load($"""
            scrape_configs:
              - job_name: k
                kubernetes_sd_configs:
            {indented}
            """);
        return Assert.Single(Assert.Single(c.ScrapeConfigs).KubernetesSdConfigs);
    }

    private async Task<KubernetesDiscovery> StartAsync(string entryYaml, string hostname = "node-a", string? serviceAccountDir = null)
    {
        var d = new KubernetesDiscovery(Parse(entryYaml), hostname, NullLogger.Instance, () => { },
            serviceAccountDir ?? KubernetesClientFactory.ServiceAccountDir);
        _started.Add(d);
        d.Start();
        await d.WaitSyncedAsync(new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token);
        return d;
    }

    private static async Task<List<TargetGroup>> WaitForAsync(KubernetesDiscovery d, Func<List<TargetGroup>, bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            var targets = d.Targets();
            if (condition(targets))
                return targets;
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"timed out waiting for {what}; targets:\n" + string.Join("\n", targets.Select(Describe)));
            await Task.Delay(50);
        }
    }

    private static string Describe(TargetGroup t) => t.Source + " " + string.Join(",", t.Labels.Where(kv => !kv.Key.Contains("label", StringComparison.Ordinal)).Select(kv => $"{kv.Key}={kv.Value}"));

    private static string? Get(TargetGroup t, string name) => t.Labels.TryGetValue(name, out var v) ? v : null;

    private static string ApiServer(FakeKubeApi api) => $"api_server: {api.BaseAddress.ToString().TrimEnd('/')}";

    private static TestPod CartPod => new()
    {
        Namespace = "shop",
        Name = "cart-7d9f8c6b5-x2k4p",
        Uid = "4f1c2a9e-8b7d-4c3e-9a1f-0e2d3c4b5a69",
        Labels = new() { ["app"] = "cart", ["app.kubernetes.io/name"] = "cart", ["pod-template-hash"] = "7d9f8c6b5" },
        Annotations = new() { ["prometheus.io/scrape"] = "true", ["kubectl.kubernetes.io/default-container"] = "cart" },
        Containers = [new TestContainer("cart", ("http", 8080, "TCP"), ("metrics", 9090, "TCP")), new TestContainer("log-shipper")],
        InitContainers = [new TestContainer("migrate")],
        Owner = ("ReplicaSet", "cart-7d9f8c6b5"),
    };

    [Fact]
    public async Task Pod_role_builds_one_target_per_container_port_or_container_with_every_meta_label()
    {
        _api.Put("pods", KubeObjects.Pod(CartPod));
        var d = await StartAsync($"- role: pod\n  {ApiServer(_api)}");
        var targets = await WaitForAsync(d, t => t.Count == 4, "4 targets");

        Assert.All(targets, t => Assert.Equal("kubernetes:pod/shop/cart-7d9f8c6b5-x2k4p", t.Source));
        Assert.Equal(["10.244.1.23:8080", "10.244.1.23:9090", "10.244.1.23", "10.244.1.23"], targets.Select(t => Get(t, "__address__")));
        Assert.Equal(["cart", "cart", "log-shipper", "migrate"], targets.Select(t => Get(t, "__meta_kubernetes_pod_container_name")));
        Assert.Equal(["false", "false", "false", "true"], targets.Select(t => Get(t, "__meta_kubernetes_pod_container_init")));

        var expected = new Dictionary<string, string>
        {
            ["__address__"] = "10.244.1.23",
            ["__meta_kubernetes_namespace"] = "shop",
            ["__meta_kubernetes_pod_name"] = "cart-7d9f8c6b5-x2k4p",
            ["__meta_kubernetes_pod_ip"] = "10.244.1.23",
            ["__meta_kubernetes_pod_ready"] = "true",
            ["__meta_kubernetes_pod_phase"] = "Running",
            ["__meta_kubernetes_pod_node_name"] = "node-a",
            ["__meta_kubernetes_pod_host_ip"] = "10.0.0.11",
            ["__meta_kubernetes_pod_uid"] = "4f1c2a9e-8b7d-4c3e-9a1f-0e2d3c4b5a69",
            ["__meta_kubernetes_pod_controller_kind"] = "ReplicaSet",
            ["__meta_kubernetes_pod_controller_name"] = "cart-7d9f8c6b5",
            ["__meta_kubernetes_pod_label_app"] = "cart",
            ["__meta_kubernetes_pod_labelpresent_app"] = "true",
            ["__meta_kubernetes_pod_label_app_kubernetes_io_name"] = "cart",
            ["__meta_kubernetes_pod_labelpresent_app_kubernetes_io_name"] = "true",
            ["__meta_kubernetes_pod_label_pod_template_hash"] = "7d9f8c6b5",
            ["__meta_kubernetes_pod_labelpresent_pod_template_hash"] = "true",
            ["__meta_kubernetes_pod_annotation_prometheus_io_scrape"] = "true",
            ["__meta_kubernetes_pod_annotationpresent_prometheus_io_scrape"] = "true",
            ["__meta_kubernetes_pod_annotation_kubectl_kubernetes_io_default_container"] = "cart",
            ["__meta_kubernetes_pod_annotationpresent_kubectl_kubernetes_io_default_container"] = "true",
            ["__meta_kubernetes_pod_container_name"] = "log-shipper",
            ["__meta_kubernetes_pod_container_id"] = KubeObjects.ContainerId(CartPod, "log-shipper"),
            ["__meta_kubernetes_pod_container_image"] = "registry.example.com/log-shipper:1.4.2",
            ["__meta_kubernetes_pod_container_init"] = "false",
        };
        Assert.Equal(expected.OrderBy(kv => kv.Key), targets[2].Labels.OrderBy(kv => kv.Key));
        Assert.Equal("http", Get(targets[0], "__meta_kubernetes_pod_container_port_name"));
        Assert.Equal("8080", Get(targets[0], "__meta_kubernetes_pod_container_port_number"));
        Assert.Equal("TCP", Get(targets[0], "__meta_kubernetes_pod_container_port_protocol"));
        Assert.Equal(KubeObjects.ContainerId(CartPod, "migrate"), Get(targets[3], "__meta_kubernetes_pod_container_id"));
    }

    [Fact]
    public async Task Pending_pods_have_no_targets_and_readiness_and_owner_come_from_the_pod()
    {
        _api.Put("pods", KubeObjects.Pod(new TestPod { Namespace = "a", Name = "pending", PodIp = null, Phase = "Pending", Ready = false }));
        _api.Put("pods", KubeObjects.Pod(new TestPod { Namespace = "a", Name = "bare", Owner = null, Ready = false }));
        _api.Put("pods", KubeObjects.Pod(new TestPod { Namespace = "a", Name = "ipv6", PodIp = "fd00::17", Containers = [new TestContainer("web", ("", 80, "TCP"))] }));
        var d = await StartAsync($"- role: pod\n  {ApiServer(_api)}");
        var targets = await WaitForAsync(d, t => t.Count == 2, "2 targets");
        var bare = targets.Single(t => Get(t, "__meta_kubernetes_pod_name") == "bare");
        Assert.Equal("false", Get(bare, "__meta_kubernetes_pod_ready"));
        Assert.Null(Get(bare, "__meta_kubernetes_pod_controller_kind"));
        var v6 = targets.Single(t => Get(t, "__meta_kubernetes_pod_name") == "ipv6");
        Assert.Equal("[fd00::17]:80", Get(v6, "__address__"));
        Assert.Equal("", Get(v6, "__meta_kubernetes_pod_container_port_name"));
    }

    [Fact]
    public async Task Targets_follow_pods_added_changed_and_deleted_on_this_node_only()
    {
        _api.Put("pods", KubeObjects.Pod(CartPod));
        _api.Put("pods", KubeObjects.Pod(new TestPod { Namespace = "shop", Name = "elsewhere", Node = "node-b" }));
        var d = await StartAsync($"- role: pod\n  {ApiServer(_api)}");
        await WaitForAsync(d, t => t.Count == 4, "the cart pod");

        // Promtail's DaemonSet behaviour: without selectors, only this node's pods are listed and watched.
        var first = _api.Requests.First(r => r.PathAndQuery.StartsWith("/api/v1/pods", StringComparison.Ordinal));
        Assert.Equal("spec.nodeName=node-a", first.Query("fieldSelector"));
        Assert.Equal("0", first.Query("resourceVersion"));
        await WaitUntilAsync(() => _api.Requests.Any(r => r.IsWatch), "a watch request");
        var watch = _api.Requests.First(r => r.IsWatch);
        Assert.Equal("spec.nodeName=node-a", watch.Query("fieldSelector"));
        Assert.Equal("true", watch.Query("allowWatchBookmarks"));
        Assert.False(string.IsNullOrEmpty(watch.Query("resourceVersion")));
        Assert.InRange(int.Parse(watch.Query("timeoutSeconds")!, System.Globalization.CultureInfo.InvariantCulture), 300, 600);

        _api.Put("pods", KubeObjects.Pod(new TestPod { Namespace = "pay", Name = "checkout", Labels = new() { ["app"] = "checkout" } }));
        await WaitForAsync(d, t => t.Any(x => Get(x, "__meta_kubernetes_pod_name") == "checkout"), "checkout added");

        _api.Modify("pods", "pay", "checkout", p => p["metadata"]!["labels"]!["app"] = "checkout-v2");
        await WaitForAsync(d, t => t.Any(x => Get(x, "__meta_kubernetes_pod_label_app") == "checkout-v2"), "checkout relabelled");

        // A pod moved to another node stops matching the field selector: the watch reports it deleted.
        _api.Modify("pods", "pay", "checkout", p => p["spec"]!["nodeName"] = "node-b");
        await WaitForAsync(d, t => t.All(x => Get(x, "__meta_kubernetes_pod_name") != "checkout"), "checkout gone from this node");

        _api.Modify("pods", "shop", CartPod.Name, KubeObjects.MarkTerminating);
        _api.Delete("pods", "shop", CartPod.Name);
        await WaitForAsync(d, t => t.Count == 0, "no targets");
        Assert.DoesNotContain(d.Targets(), t => Get(t, "__meta_kubernetes_pod_name") == "elsewhere");
    }

    [Fact]
    public async Task A_dropped_watch_resumes_from_the_last_resource_version_without_listing_again()
    {
        _api.BookmarkInterval = TimeSpan.FromMilliseconds(200);
        _api.Put("pods", KubeObjects.Pod(CartPod));
        var d = await StartAsync($"- role: pod\n  {ApiServer(_api)}");
        await WaitUntilAsync(() => _api.OpenWatches == 1, "the watch");
        // Let a few bookmarks arrive, so that the version the watch resumes from is a bookmark's.
        await WaitUntilAsync(() => _api.BookmarksSent >= 2, "two bookmarks");
        var lists = _api.Requests.Count(r => !r.IsWatch);
        _api.DropWatches();
        _api.Put("pods", KubeObjects.Pod(new TestPod { Namespace = "pay", Name = "while-away" }));
        await WaitForAsync(d, t => t.Any(x => Get(x, "__meta_kubernetes_pod_name") == "while-away"), "the pod added while the watch was down");
        Assert.Equal(lists, _api.Requests.Count(r => !r.IsWatch));
        Assert.True(_api.Requests.Count(r => r.IsWatch) >= 2);
    }

    [Fact]
    public async Task After_410_Gone_the_collection_is_listed_again_page_by_page_and_replaced()
    {
        for (var i = 0; i < 1201; i++)
            _api.Put("pods", KubeObjects.Pod(new TestPod { Namespace = "bulk", Name = $"p-{i:D4}", Containers = [new TestContainer("c")] }));
        _api.Put("pods", KubeObjects.Pod(CartPod));
        var d = await StartAsync($"- role: pod\n  {ApiServer(_api)}");
        await WaitForAsync(d, t => t.Count == 1205, "all pods");
        // The first list asks the cache (resourceVersion=0), which answers whole.
        Assert.Equal(1, _api.Requests.Count(r => !r.IsWatch));
        await WaitUntilAsync(() => _api.OpenWatches == 1, "the watch");

        _api.ChangeWhileDisconnected(() =>
        {
            _api.Delete("pods", "shop", CartPod.Name);
            _api.Put("pods", KubeObjects.Pod(new TestPod { Namespace = "pay", Name = "after-gap" }));
        });
        var targets = await WaitForAsync(d, t => t.Any(x => Get(x, "__meta_kubernetes_pod_name") == "after-gap")
                                                 && t.All(x => Get(x, "__meta_kubernetes_pod_name") != CartPod.Name), "the relisted state");
        Assert.Equal(1202, targets.Count);
        var relist = _api.Requests.Where(r => !r.IsWatch).Skip(1).ToList();
        // A consistent read (no resourceVersion) in pages of 500: 3 requests, the later two with continue tokens.
        Assert.Equal(3, relist.Count);
        Assert.All(relist, r => Assert.Equal("500", r.Query("limit")));
        Assert.Null(relist[0].Query("resourceVersion"));
        Assert.Null(relist[0].Query("continue"));
        Assert.NotNull(relist[1].Query("continue"));
        Assert.NotNull(relist[2].Query("continue"));
    }

    [Fact]
    public async Task Namespaces_and_selectors_are_sent_to_the_server_and_user_selectors_replace_the_node_selector()
    {
        _api.Put("pods", KubeObjects.Pod(CartPod));
        _api.Put("pods", KubeObjects.Pod(CartPod with { Namespace = "other", Name = "cart-elsewhere", Uid = Guid.NewGuid().ToString() }));
        _api.Put("pods", KubeObjects.Pod(new TestPod { Namespace = "shop", Name = "db", Labels = new() { ["app"] = "db" } }));
        _api.Put("pods", KubeObjects.Pod(CartPod with { Name = "cart-on-b", Node = "node-b", Uid = Guid.NewGuid().ToString() }));
        var d = await StartAsync($"""
            - role: pod
              {ApiServer(_api)}
              namespaces:
                names: [shop]
              selectors:
                - role: pod
                  label: "app in (cart, web),app.kubernetes.io/name"
                  field: "status.phase=Running"
            """);
        var targets = await WaitForAsync(d, t => t.Count == 8, "the two cart pods of namespace shop");
        Assert.Equal(["cart-7d9f8c6b5-x2k4p", "cart-on-b"], targets.Select(t => Get(t, "__meta_kubernetes_pod_name")!).Distinct().Order());
        var list = _api.Requests.First();
        Assert.StartsWith("/api/v1/namespaces/shop/pods?", list.PathAndQuery, StringComparison.Ordinal);
        Assert.Equal("app in (cart, web),app.kubernetes.io/name", list.Query("labelSelector"));
        // As in Promtail 2.9: with selectors of its own, the entry does not get the spec.nodeName selector added.
        Assert.Equal("status.phase=Running", list.Query("fieldSelector"));
    }

    [Fact]
    public async Task Attach_metadata_node_adds_the_node_labels_and_follows_node_changes()
    {
        _api.Put("nodes", KubeObjects.Node("node-a", new() { ["topology.kubernetes.io/zone"] = "eu-1a", ["kubernetes.io/os"] = "linux" }, "10.0.0.11"));
        _api.Put("pods", KubeObjects.Pod(new TestPod { Namespace = "shop", Name = "web" }));
        var d = await StartAsync($"- role: pod\n  {ApiServer(_api)}\n  attach_metadata:\n    node: true");
        var t = Assert.Single(await WaitForAsync(d, t => t.Count == 1, "the web pod"));
        Assert.Equal("node-a", Get(t, "__meta_kubernetes_node_name"));
        Assert.Equal("eu-1a", Get(t, "__meta_kubernetes_node_label_topology_kubernetes_io_zone"));
        Assert.Equal("true", Get(t, "__meta_kubernetes_node_labelpresent_kubernetes_io_os"));
        Assert.Null(Get(t, "__meta_kubernetes_node_annotation_node_alpha_kubernetes_io_ttl"));

        _api.Modify("nodes", null, "node-a", n => n["metadata"]!["labels"]!["topology.kubernetes.io/zone"] = "eu-1b");
        await WaitForAsync(d, t => t.Count == 1 && Get(t[0], "__meta_kubernetes_node_label_topology_kubernetes_io_zone") == "eu-1b", "the new zone");
        Assert.Contains(_api.Requests, r => r.PathAndQuery.StartsWith("/api/v1/nodes?", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Node_role()
    {
        _api.Put("nodes", KubeObjects.Node("node-a", new() { ["kubernetes.io/hostname"] = "node-a", ["node-role.kubernetes.io/control-plane"] = "" }, "10.0.0.11"));
        var d = await StartAsync($"- role: node\n  {ApiServer(_api)}");
        var t = Assert.Single(await WaitForAsync(d, t => t.Count == 1, "the node"));
        Assert.Equal("10.0.0.11:10250", Get(t, "__address__"));
        Assert.Equal("node-a", Get(t, "instance"));
        Assert.Equal("node-a", Get(t, "__meta_kubernetes_node_name"));
        Assert.Equal("kind://docker/kind/node-a", Get(t, "__meta_kubernetes_node_provider_id"));
        Assert.Equal("10.0.0.11", Get(t, "__meta_kubernetes_node_address_InternalIP"));
        Assert.Equal("node-a", Get(t, "__meta_kubernetes_node_address_Hostname"));
        Assert.Equal("", Get(t, "__meta_kubernetes_node_label_node_role_kubernetes_io_control_plane"));
        Assert.Equal("true", Get(t, "__meta_kubernetes_node_labelpresent_node_role_kubernetes_io_control_plane"));
        Assert.Equal("0", Get(t, "__meta_kubernetes_node_annotation_node_alpha_kubernetes_io_ttl"));
        _api.Delete("nodes", null, "node-a");
        await WaitForAsync(d, t => t.Count == 0, "no node");
    }

    [Fact]
    public async Task Service_role()
    {
        _api.Put("services", KubeObjects.Service("shop", "cart", new() { ["app"] = "cart" }, "ClusterIP", ("http", 80, "TCP"), ("grpc", 9000, "TCP")));
        _api.Put("services", KubeObjects.Service("shop", "docs", [], "ExternalName", ("http", 80, "TCP")));
        var d = await StartAsync($"- role: service\n  {ApiServer(_api)}");
        var targets = await WaitForAsync(d, t => t.Count == 3, "3 service ports");
        var grpc = targets.Single(t => Get(t, "__meta_kubernetes_service_port_name") == "grpc");
        Assert.Equal("cart.shop.svc:9000", Get(grpc, "__address__"));
        Assert.Equal("10.96.12.34", Get(grpc, "__meta_kubernetes_service_cluster_ip"));
        Assert.Equal("ClusterIP", Get(grpc, "__meta_kubernetes_service_type"));
        Assert.Equal("cart", Get(grpc, "__meta_kubernetes_service_label_app"));
        Assert.Equal("shop", Get(grpc, "__meta_kubernetes_namespace"));
        var docs = targets.Single(t => Get(t, "__meta_kubernetes_service_name") == "docs");
        Assert.Equal("docs.example.com", Get(docs, "__meta_kubernetes_service_external_name"));
        Assert.Null(Get(docs, "__meta_kubernetes_service_cluster_ip"));
    }

    [Fact]
    public async Task Endpoints_role_resolves_pods_and_services()
    {
        _api.Put("services", KubeObjects.Service("shop", "cart", new() { ["tier"] = "backend" }, "ClusterIP", ("http", 8080, "TCP")));
        _api.Put("pods", KubeObjects.Pod(CartPod));
        _api.Put("endpoints", KubeObjects.Endpoints("shop", "cart", ("http", 8080, "TCP"),
            [("10.244.1.23", CartPod.Name, "node-a")], [("10.244.2.9", "cart-unknown", "node-b")]));
        var d = await StartAsync($"- role: endpoints\n  {ApiServer(_api)}");
        // Ready address (the pod, port 8080), not-ready address (no such pod), and the pod's other port (9090).
        var targets = await WaitForAsync(d, t => t.Count == 3, "3 endpoint targets");
        var ready = targets.Single(t => Get(t, "__address__") == "10.244.1.23:8080");
        Assert.Equal("true", Get(ready, "__meta_kubernetes_endpoint_ready"));
        Assert.Equal("Pod", Get(ready, "__meta_kubernetes_endpoint_address_target_kind"));
        Assert.Equal("node-a", Get(ready, "__meta_kubernetes_endpoint_node_name"));
        Assert.Equal("cart", Get(ready, "__meta_kubernetes_pod_container_name"));
        Assert.Equal("http", Get(ready, "__meta_kubernetes_pod_container_port_name"));
        Assert.Equal("cart", Get(ready, "__meta_kubernetes_pod_label_app"));
        Assert.Equal("backend", Get(ready, "__meta_kubernetes_service_label_tier"));
        Assert.Equal("cart", Get(ready, "__meta_kubernetes_endpoints_name"));
        var notReady = targets.Single(t => Get(t, "__address__") == "10.244.2.9:8080");
        Assert.Equal("false", Get(notReady, "__meta_kubernetes_endpoint_ready"));
        Assert.Null(Get(notReady, "__meta_kubernetes_pod_name"));
        var extra = targets.Single(t => Get(t, "__address__") == "10.244.1.23:9090");
        Assert.Equal("metrics", Get(extra, "__meta_kubernetes_pod_container_port_name"));
        Assert.Null(Get(extra, "__meta_kubernetes_endpoint_ready"));
    }

    [Fact]
    public async Task Kubeconfig_file_with_a_token()
    {
        _api.Token = "s3cr3t-token";
        _api.Put("pods", KubeObjects.Pod(CartPod));
        var dir = Directory.CreateTempSubdirectory("kubeconfig-").FullName;
        try
        {
            var file = Path.Combine(dir, "config");
            File.WriteAllText(file, Kubeconfig(_api.BaseAddress, "s3cr3t-token"));
            var d = await StartAsync($"- role: pod\n  kubeconfig_file: {file}");
            await WaitForAsync(d, t => t.Count == 4, "the cart pod");
            Assert.All(_api.Requests, r => Assert.Equal("Bearer s3cr3t-token", r.Authorization));
            Assert.All(_api.Requests, r => Assert.StartsWith("sawmill-agent", r.UserAgent, StringComparison.Ordinal));
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public async Task A_wrong_token_is_reported_and_retried_until_the_server_accepts_it()
    {
        _api.Token = "right";
        _api.Put("pods", KubeObjects.Pod(CartPod));
        var d = new KubernetesDiscovery(Parse($"- role: pod\n  {ApiServer(_api)}\n  bearer_token: wrong"), "node-a", NullLogger.Instance, () => { });
        _started.Add(d);
        d.Start();
        await WaitUntilAsync(() => _api.Requests.Count >= 2, "two attempts");
        Assert.False(d.Synced);
        _api.Token = "wrong";
        await d.WaitSyncedAsync(new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token);
        await WaitForAsync(d, t => t.Count == 4, "the cart pod");
    }

    /// <summary>In-cluster config: https to KUBERNETES_SERVICE_HOST:PORT, verified with the service account's CA, with its token and namespace.</summary>
    [Fact]
    public async Task In_cluster_config_over_tls_with_the_service_account()
    {
        using var cert = new TestCertificate();
        await using var tlsApi = await FakeKubeApi.StartAsync(cert.Certificate);
        tlsApi.Token = "sa-token";
        tlsApi.Put("pods", KubeObjects.Pod(CartPod));
        tlsApi.Put("pods", KubeObjects.Pod(new TestPod { Namespace = "kube-system", Name = "coredns" }));
        var sa = Directory.CreateTempSubdirectory("sa-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(sa, "token"), "sa-token");
            File.WriteAllText(Path.Combine(sa, "ca.crt"), cert.Pem);
            File.WriteAllText(Path.Combine(sa, "namespace"), "shop");
            Environment.SetEnvironmentVariable("KUBERNETES_SERVICE_HOST", "127.0.0.1");
            Environment.SetEnvironmentVariable("KUBERNETES_SERVICE_PORT", tlsApi.BaseAddress.Port.ToString(System.Globalization.CultureInfo.InvariantCulture));
            var d = await StartAsync("- role: pod\n  namespaces:\n    own_namespace: true", serviceAccountDir: sa);
            var targets = await WaitForAsync(d, t => t.Count == 4, "the cart pod of the own namespace");
            Assert.All(targets, t => Assert.Equal("shop", Get(t, "__meta_kubernetes_namespace")));
            Assert.All(tlsApi.Requests, r => Assert.Equal("Bearer sa-token", r.Authorization));
            Assert.All(tlsApi.Requests, r => Assert.StartsWith("/api/v1/namespaces/shop/pods?", r.PathAndQuery, StringComparison.Ordinal));
        }
        finally
        {
            Environment.SetEnvironmentVariable("KUBERNETES_SERVICE_HOST", null);
            Environment.SetEnvironmentVariable("KUBERNETES_SERVICE_PORT", null);
            Directory.Delete(sa, true);
        }
    }

    [Fact]
    public void Without_a_cluster_the_in_cluster_config_fails_with_Prometheus_message()
    {
        var e = Assert.Throws<ConfigException>(() => new KubernetesDiscovery(Parse("- role: pod"), "n", NullLogger.Instance, () => { }, "/nonexistent"));
        Assert.Contains("unable to load in-cluster configuration, KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be defined", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("- role: pod\n  api_server: http://a\n  kubeconfig_file: /k", "cannot use 'kubeconfig_file' and 'api_server' simultaneously")]
    [InlineData("- role: pod\n  bearer_token: x", "to use custom HTTP client configuration please provide the 'api_server' URL explicitly")]
    [InlineData("- role: pod\n  kubeconfig_file: /k\n  tls_config: { insecure_skip_verify: true }", "cannot use a custom HTTP client configuration together with 'kubeconfig_file'")]
    [InlineData("- role: pod\n  api_server: http://a\n  namespaces: { own_namespace: true }", "cannot use 'api_server' and 'namespaces.own_namespace' simultaneously")]
    [InlineData("- role: pods", "unknown Kubernetes SD role \"pods\"")]
    [InlineData("- api_server: http://a", "role missing (one of: pod, service, endpoints, endpointslice, node, ingress)")]
    [InlineData("- role: pod\n  selectors: [{ role: node, label: a=b }]", "pod role supports only pod selectors")]
    [InlineData("- role: endpoints\n  selectors: [{ role: node }]", "endpoints role supports only pod, service, endpoints selectors")]
    [InlineData("- role: pod\n  selectors: [{ role: pod, label: a=b }, { role: pod, field: x=y }]", "duplicated selector role: pod")]
    [InlineData("- role: pod\n  selectors: [{ role: pod, label: \"a in b\" }]", "expected: '('")]
    [InlineData("- role: pod\n  selectors: [{ role: pod, label: \"-bad=x\" }]", "must start and end with an alphanumeric character")]
    [InlineData("- role: pod\n  selectors: [{ role: pod, field: \"spec.nodeName\" }]", "invalid selector: 'spec.nodeName'")]
    public void Configuration_errors_match_Prometheus(string entry, string message)
    {
        var e = Assert.Throws<ConfigException>(() => Parse(entry));
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unsupported_roles_are_warned_about_and_skipped()
    {
        var c = AgentConfigLoader.Load("""
            scrape_configs:
              - job_name: k
                kubernetes_sd_configs:
                  - role: endpointslice
                  - role: pod
                    api_server: http://127.0.0.1:1
            """);
        Assert.Single(c.ScrapeConfigs[0].KubernetesSdConfigs);
        Assert.Contains(c.Warnings, w => w.Contains("role \"endpointslice\" is not supported", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("app.kubernetes.io/name", "app_kubernetes_io_name")]
    [InlineData("prometheus.io/scrape", "prometheus_io_scrape")]
    [InlineData("Üml-aut", "_ml_aut")]
    [InlineData("emoji😀x", "emoji_x")]
    [InlineData("ok_09", "ok_09")]
    public void Label_names_are_sanitised_like_Prometheus(string name, string expected) =>
        Assert.Equal(expected, KubernetesTargets.SanitizeLabelName(name));

    /// <summary>A kubeconfig for <paramref name="server"/> with a bearer token (and the server's CA for https).</summary>
    internal static string Kubeconfig(Uri server, string token, string? caPem = null) => $"""
        apiVersion: v1
        kind: Config
        clusters:
          - name: test
            cluster:
              server: {server.ToString().TrimEnd('/')}
        {(caPem == null ? "" : "      certificate-authority-data: " + Convert.ToBase64String(System.Text.Encoding.ASCII.GetBytes(caPem)))}
        users:
          - name: tester
            user:
              token: {token}
        contexts:
          - name: test
            context:
              cluster: test
              user: tester
        current-context: test
        """;

    private static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException("timed out waiting for " + what);
            await Task.Delay(50);
        }
    }
}
