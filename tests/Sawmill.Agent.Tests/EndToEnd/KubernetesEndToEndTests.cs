using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using Sawmill.Agent.Tests.Discovery.Kubernetes;
using Sawmill.Testing;
using YamlDotNet.RepresentationModel;

namespace Sawmill.Agent.Tests.EndToEnd;

/// <summary>
/// The course's Kubernetes logging setup, end to end: its Promtail config (docs/seed course "loki-values.yaml",
/// promtail.config) plus the <c>__path__</c> rule of the Promtail Helm chart, run by a real <c>sawmill agent</c> process
/// against <see cref="FakeKubeApi"/> (the Kubernetes API stand-in) and a real Sawmill server. Pods are added,
/// relabelled, filtered out by their <c>prometheus.io/scrape</c> annotation and deleted while the agent runs; lines
/// arrive with exactly the labels namespace, pod, container, app (and filename).
/// <para>
/// The same scenario runs with real Promtail as the agent when <c>SAWMILL_TEST_PROMTAIL</c> names a promtail binary
/// (by hand, not in CI), which is how the stand-in is checked against client-go.
/// </para>
/// </summary>
[Collection("end-to-end")]
public sealed partial class KubernetesEndToEndTests : IAsyncLifetime
{
    private const string Node = "node-e2e";
    private readonly string _dir = Directory.CreateTempSubdirectory("agent-e2e-k8s-").FullName;
    private SawmillProcess _server = null!;
    private readonly TestCertificate _cert = new();
    private FakeKubeApi _api = null!;

    /// <summary>
    /// The API stand-in serves https with its own CA in the kubeconfig and requires the kubeconfig's token, as a
    /// cluster does (client-go sends kubeconfig credentials only over TLS).
    /// </summary>
    public async Task InitializeAsync()
    {
        _server = await SawmillProcess.StartAsync();
        _api = await FakeKubeApi.StartAsync(_cert.Certificate);
        _api.Token = "e2e-token";
        File.WriteAllText(Path.Combine(_dir, "kubeconfig"), KubernetesDiscoveryTests.Kubeconfig(_api.BaseAddress, "e2e-token", _cert.Pem));
    }

    public async Task DisposeAsync()
    {
        await _api.DisposeAsync();
        _cert.Dispose();
        await _server.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    /// <summary>
    /// The course's promtail.config (examples/course/loki-values.yaml). Changed for the test: the client URL and the
    /// positions file point at the test's server and directory, the discovery connects with kubeconfig_file (a test is
    /// not in a cluster), the target sync period is 1s. Added: the Promtail chart's <c>__path__</c> rule (with the
    /// test's pod log directory) and <paramref name="pipeline"/> stages.
    /// </summary>
    private string CourseConfig(string? pipeline = null)
    {
        var values = new YamlStream();
        values.Load(new StringReader(File.ReadAllText(RepositoryFiles.Path("examples", "course", "loki-values.yaml"))));
        var config = (YamlMappingNode)values.Documents[0].RootNode["promtail"]["config"];
        ((YamlMappingNode)((YamlSequenceNode)config["clients"]).Children[0]).Children["url"] = _server.BaseAddress.ToString().TrimEnd('/') + "/loki/api/v1/push";
        ((YamlMappingNode)config["positions"]).Children["filename"] = Path.Combine(_dir, "positions.yaml");
        config.Children["target_config"] = new YamlMappingNode("sync_period", "1s");
        var job = (YamlMappingNode)((YamlSequenceNode)config["scrape_configs"]).Children[0];
        ((YamlMappingNode)((YamlSequenceNode)job["kubernetes_sd_configs"]).Children[0]).Children["kubeconfig_file"] = Path.Combine(_dir, "kubeconfig");
        ((YamlSequenceNode)job["relabel_configs"]).Children.Add(new YamlMappingNode(
            "source_labels", new YamlSequenceNode("__meta_kubernetes_pod_uid", "__meta_kubernetes_pod_container_name"),
            "separator", "/",
            "action", "replace",
            "replacement", Path.Combine(_dir, "pods") + "/*$1/*.log",
            "target_label", "__path__"));
        if (pipeline != null)
            job.Children["pipeline_stages"] = new YamlSequenceNode(new YamlMappingNode(pipeline, new YamlMappingNode()));
        using var w = new StringWriter();
        new YamlStream(new YamlDocument(config)).Save(w, assignAnchors: false);
        return w.ToString();
    }

    [Fact]
    public async Task The_course_promtail_config_ships_pod_logs_as_pods_come_change_and_go()
    {
        var cart = Pod("shop", "cart-7d9f8c6b5-x2k4p", "cart", scrape: "true", containers: ["cart", "log-shipper"]);
        var coredns = Pod("kube-system", "coredns-5d78c9869d-8kqzt", "coredns", scrape: null, containers: ["coredns"]);
        var remote = Pod("shop", "cart-7d9f8c6b5-remote", "cart", scrape: "true", containers: ["cart"]) with { Node = "node-b" };
        foreach (var p in new[] { cart, coredns, remote })
            _api.Put("pods", KubeObjects.Pod(p));
        using var cartLog = OpenLog(cart, "cart");
        using var shipperLog = OpenLog(cart, "log-shipper");
        using var corednsLog = OpenLog(coredns, "coredns");
        using var remoteLog = OpenLog(remote, "cart");
        Write(cartLog, "cart", 0, 50);
        Write(shipperLog, "shipper", 0, 20);
        Write(corednsLog, "coredns", 0, 20);
        Write(remoteLog, "remote", 0, 20);

        var config = E2E.WriteConfig(_dir, CourseConfig());
        await using var agent = await Agent.StartAsync(config, _dir);
        using var http = _server.CreateClient();

        // 1. Pods present at start: only the annotated pod of this node.
        await WaitForAsync(http, "{namespace=\"shop\"}", "cart", 50, agent);
        await WaitForAsync(http, "{namespace=\"shop\"}", "shipper", 20, agent);
        var entries = await E2E.QueryAsync(http, "{container=\"cart\"}");
        Assert.All(entries, e => Assert.Equal(Labels(cart, "cart", "cart"), e.Labels));
        Assert.All(await E2E.QueryAsync(http, "{container=\"log-shipper\"}"), e => Assert.Equal(Labels(cart, "log-shipper", "cart"), e.Labels));

        // 2. A pod created while the agent runs.
        var checkout = Pod("pay", "checkout-6b8f7d5c4-q9w2e", "checkout", scrape: "true", containers: ["checkout"]);
        using var checkoutLog = OpenLog(checkout, "checkout");
        Write(checkoutLog, "checkout", 0, 30);
        _api.Put("pods", KubeObjects.Pod(checkout));
        await WaitForAsync(http, "{namespace=\"pay\"}", "checkout", 30, agent);
        Assert.All(await E2E.QueryAsync(http, "{namespace=\"pay\"}"), e => Assert.Equal(Labels(checkout, "checkout", "checkout"), e.Labels));

        // 3. Relabelled: its app label changes; lines written once the agent has seen that get the new value.
        _api.Modify("pods", "pay", checkout.Name, p => p["metadata"]!["labels"]!["app"] = "checkout-v2");
        await BarrierAsync(http, agent, "after-relabel");
        Write(checkoutLog, "checkout", 30, 30);
        await WaitForAsync(http, "{app=\"checkout-v2\"}", "checkout", 30, agent, from: 30);
        Assert.All(await E2E.QueryAsync(http, "{app=\"checkout-v2\"}"), e => Assert.Equal(Labels(checkout, "checkout", "checkout-v2"), e.Labels));

        // 4. Filtered by annotation: scrape=false drops the target; what was written before is read to the end.
        Write(checkoutLog, "checkout", 60, 40);
        _api.Modify("pods", "pay", checkout.Name, p => p["metadata"]!["annotations"]!["prometheus.io/scrape"] = "false");
        await BarrierAsync(http, agent, "after-unscrape");
        Write(checkoutLog, "late", 0, 10);
        await WaitForAsync(http, "{namespace=\"pay\"}", "checkout", 100, agent);
        await BarrierAsync(http, agent, "after-late");

        // 5. Deleted right after its last lines (more than the agent reads at once; the kubelet removes the log
        //    directory only later, when it collects the dead containers): every line still arrives, once.
        const int last = 20_000;
        Write(cartLog, "cart", 50, last);
        _api.Modify("pods", "shop", cart.Name, KubeObjects.MarkTerminating);
        _api.Delete("pods", "shop", cart.Name);
        cartLog.Dispose();
        shipperLog.Dispose();
        const string cartLines = "sum(count_over_time({namespace=\"shop\", container=\"cart\"} |= \" cart seq=\" [2h]))";
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        double stored;
        while ((stored = await CountAsync(http, cartLines)) < 50 + last && DateTime.UtcNow < deadline)
            await Task.Delay(250);
        Assert.True(stored == 50 + last, $"{stored} of {50 + last} cart lines stored\n--- agent ---\n{agent.Output}");
        var tail = Counts(await E2E.QueryAsync(http, "{namespace=\"shop\", container=\"cart\"} |~ \"seq=020\""), "cart");
        Assert.Equal(Enumerable.Range(20_000, 50), tail.Keys.Order());
        Assert.Empty(Counts(await E2E.QueryAsync(http, "{namespace=\"pay\"}"), "late"));
        Assert.Empty(await E2E.QueryAsync(http, "{namespace=\"kube-system\"}"));
        Assert.Empty(Counts(await E2E.QueryAsync(http, "{namespace=\"shop\"}"), "remote"));
        // The agent asked only for this node's pods, with the kubeconfig's token.
        var first = _api.Requests.First();
        Assert.Equal("spec.nodeName=" + Node, first.Query("fieldSelector"));
        Assert.All(_api.Requests, r => Assert.Equal("Bearer e2e-token", r.Authorization));
    }

    /// <summary>
    /// With the Promtail chart's <c>cri</c> stage, CRI lines are unwrapped (partial lines joined) and keep their
    /// timestamps, and an API server connection cut with expired resource versions is survived (relist).
    /// </summary>
    [Fact]
    public async Task Cri_lines_are_unwrapped_and_a_lost_api_connection_is_recovered()
    {
        var web = Pod("shop", "web-0", "web", scrape: "true", containers: ["web"]) with { Owner = ("StatefulSet", "web") };
        _api.Put("pods", KubeObjects.Pod(web));
        using var log = OpenLog(web, "web");
        var baseTime = DateTimeOffset.UtcNow.AddMinutes(-5);
        string Cri(int i, string stream, string flag, string text) =>
            $"{baseTime.AddSeconds(i).ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff", CultureInfo.InvariantCulture)}00Z {stream} {flag} {text}\n";
        log.Write(Encoding.UTF8.GetBytes(Cri(0, "stdout", "F", "web seq=000000 started") + Cri(1, "stderr", "P", "web seq=000001 part one ")
                                         + Cri(1, "stderr", "F", "and part two") + Cri(2, "stdout", "F", "web seq=000002 ready")));
        log.Flush();
        var config = E2E.WriteConfig(_dir, CourseConfig("cri"));
        await using var agent = await Agent.StartAsync(config, _dir);
        using var http = _server.CreateClient();
        await E2E.WaitForAllAsync(http, "{namespace=\"shop\"}", "web", 3, TimeSpan.FromSeconds(60), () => agent.Output);
        var entries = await E2E.QueryAsync(http, "{namespace=\"shop\", pod=\"web-0\", container=\"web\", app=\"web\"}");
        Assert.Equal(["web seq=000000 started", "web seq=000001 part one and part two", "web seq=000002 ready"], entries.Select(e => e.Line));
        Assert.Equal([0L, 1, 2], entries.Select(e => (e.Ns - baseTime.ToUnixTimeMilliseconds() * 1_000_000L) / 1_000_000_000L));

        // The API server loses every watch and its history while a pod is added: the agent lists again and finds it.
        var api2 = Pod("shop", "api-0", "api", scrape: "true", containers: ["api"]);
        using var apiLog = OpenLog(api2, "api");
        apiLog.Write(Encoding.UTF8.GetBytes(Cri(3, "stdout", "F", "api seq=000000 up")));
        apiLog.Flush();
        _api.ChangeWhileDisconnected(() => _api.Put("pods", KubeObjects.Pod(api2)));
        await E2E.WaitForAllAsync(http, "{pod=\"api-0\"}", "api", 1, TimeSpan.FromSeconds(60), () => agent.Output);
        // Listed again after the 410 (sawmill agent: a consistent read; client-go: from its last synced version).
        Assert.True(_api.Requests.Count(r => !r.IsWatch) >= 2);
    }

    /// <summary>
    /// Waits until the agent has processed every API change made so far: a new annotated pod (the watch delivers
    /// events in order) whose line is seen in the server.
    /// </summary>
    private async Task BarrierAsync(HttpClient http, IAgent agent, string name)
    {
        var pod = Pod("barrier", name, "barrier", scrape: "true", containers: ["b"]);
        using (var log = OpenLog(pod, "b"))
            Write(log, name, 0, 1);
        _api.Put("pods", KubeObjects.Pod(pod));
        await WaitForAsync(http, "{namespace=\"barrier\"}", name, 1, agent);
    }

    private TestPod Pod(string ns, string name, string app, string? scrape, string[] containers) => new()
    {
        Namespace = ns,
        Name = name,
        Node = Node,
        Labels = new() { ["app"] = app, ["pod-template-hash"] = "7d9f8c6b5" },
        Annotations = scrape == null ? [] : new() { ["prometheus.io/scrape"] = scrape },
        Containers = containers.Select(c => new TestContainer(c, ("http", 8080, "TCP"))).ToArray(),
        Owner = ("ReplicaSet", name[..name.LastIndexOf('-')]),
    };

    private string PodDir(TestPod p) => Path.Combine(_dir, "pods", $"{p.Namespace}_{p.Name}_{p.Uid}");

    /// <summary>The kubelet's layout: /var/log/pods/&lt;namespace&gt;_&lt;pod&gt;_&lt;uid&gt;/&lt;container&gt;/0.log.</summary>
    private FileStream OpenLog(TestPod p, string container)
    {
        var dir = Directory.CreateDirectory(Path.Combine(PodDir(p), container)).FullName;
        return E2E.OpenAppend(Path.Combine(dir, "0.log"));
    }

    private Dictionary<string, string> Labels(TestPod p, string container, string app) => new()
    {
        ["namespace"] = p.Namespace,
        ["pod"] = p.Name,
        ["container"] = container,
        ["app"] = app,
        ["filename"] = Path.Combine(PodDir(p), container, "0.log"),
    };

    /// <summary>CRI-format lines (what containerd writes) carrying "tag seq=N".</summary>
    private static void Write(FileStream fs, string tag, int from, int count)
    {
        var sb = new StringBuilder();
        for (var i = from; i < from + count; i++)
            sb.Append(DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture))
                .Append(" stdout F ").Append(tag).Append(" seq=").Append(i.ToString("D6", CultureInfo.InvariantCulture)).Append(" some payload\n");
        fs.Write(Encoding.UTF8.GetBytes(sb.ToString()));
        fs.Flush();
    }

    /// <summary>The value of an instant metric query with one result (0 when empty).</summary>
    private static async Task<double> CountAsync(HttpClient http, string query)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var body = await http.GetStringAsync($"/loki/api/v1/query?query={Uri.EscapeDataString(query)}&time={now}");
        using var doc = System.Text.Json.JsonDocument.Parse(body);
        var result = doc.RootElement.GetProperty("data").GetProperty("result");
        return result.GetArrayLength() == 0 ? 0 : double.Parse(result[0].GetProperty("value")[1].GetString()!, CultureInfo.InvariantCulture);
    }

    private static Dictionary<int, int> Counts(IEnumerable<QueriedEntry> entries, string tag)
    {
        var counts = new Dictionary<int, int>();
        foreach (var e in entries)
        {
            var m = TagRegex().Match(e.Line);
            if (m.Success && m.Groups[1].Value == tag)
            {
                var seq = int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture);
                counts[seq] = counts.GetValueOrDefault(seq) + 1;
            }
        }
        return counts;
    }

    /// <summary>Waits until lines from..from+count-1 of <paramref name="tag"/> are all stored; returns how often each arrived.</summary>
    private async Task<Dictionary<int, int>> WaitForAsync(HttpClient http, string query, string tag, int count, IAgent agent, int from = 0)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        while (true)
        {
            var counts = Counts(await E2E.QueryAsync(http, query), tag);
            var missing = Enumerable.Range(from, count).Where(i => !counts.ContainsKey(i)).ToList();
            if (missing.Count == 0)
                return counts;
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"{query} {tag}: {missing.Count} of {count} lines missing (first {missing[0]})\n--- agent ---\n{agent.Output}\n--- API requests ---\n{ApiLog()}");
            await Task.Delay(200);
        }
    }

    private string ApiLog() =>
        string.Join("\n", _api.Requests.TakeLast(30).Select(r => $"{r.Method} {r.PathAndQuery} auth=[{r.Authorization}] ua=[{r.UserAgent}] accept=[{r.Accept}] {r.Protocol}"))
        + "\n401 headers: " + string.Join("\n", _api.UnauthorizedHeaders.Take(3));

    [GeneratedRegex(@" ([a-z-]+) seq=(\d+)")]
    private static partial Regex TagRegex();

    internal interface IAgent : IAsyncDisposable
    {
        string Output { get; }
    }

    /// <summary>The agent under test: <c>sawmill agent</c>, or Promtail when SAWMILL_TEST_PROMTAIL names its binary.</summary>
    internal static class Agent
    {
        public static async Task<IAgent> StartAsync(string config, string dir)
        {
            var env = new Dictionary<string, string> { ["HOSTNAME"] = Node };
            var promtail = Environment.GetEnvironmentVariable("SAWMILL_TEST_PROMTAIL");
            if (string.IsNullOrEmpty(promtail))
                return new SawmillAgent(await AgentProcess.StartAsync(config, env));
            return await PromtailAgent.StartAsync(promtail, config, env);
        }
    }

    private sealed class SawmillAgent(AgentProcess process) : IAgent
    {
        public string Output => process.Output;

        public ValueTask DisposeAsync() => process.DisposeAsync();
    }

    private sealed class PromtailAgent : IAgent
    {
        private readonly Process _process;
        private readonly StringBuilder _output = new();

        private PromtailAgent(Process process) => _process = process;

        public string Output
        {
            get
            {
                lock (_output)
                    return _output.ToString();
            }
        }

        public static async Task<IAgent> StartAsync(string binary, string config, Dictionary<string, string> env)
        {
            int port;
            using (var l = new TcpListener(IPAddress.Loopback, 0))
            {
                l.Start();
                port = ((IPEndPoint)l.LocalEndpoint).Port;
            }
            var psi = new ProcessStartInfo(binary) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            psi.ArgumentList.Add("-config.file=" + config);
            psi.ArgumentList.Add("-server.http-listen-address=127.0.0.1");
            psi.ArgumentList.Add("-server.http-listen-port=" + port.ToString(CultureInfo.InvariantCulture));
            psi.ArgumentList.Add("-server.grpc-listen-port=0");
            foreach (var (k, v) in env)
                psi.Environment[k] = v;
            var p = new PromtailAgent(new Process { StartInfo = psi });
            p._process.OutputDataReceived += (_, e) => p.Append(e.Data);
            p._process.ErrorDataReceived += (_, e) => p.Append(e.Data);
            p._process.Start();
            p._process.BeginOutputReadLine();
            p._process.BeginErrorReadLine();
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/"), Timeout = TimeSpan.FromSeconds(5) };
            await E2E.WaitUntilAsync(async () =>
            {
                if (p._process.HasExited)
                    throw new InvalidOperationException("promtail exited:\n" + p.Output);
                try
                {
                    using var r = await http.GetAsync("/metrics");
                    return r.IsSuccessStatusCode;
                }
                catch (HttpRequestException)
                {
                    return false;
                }
            }, "promtail /metrics");
            return p;
        }

        private void Append(string? line)
        {
            if (line == null)
                return;
            lock (_output)
                _output.AppendLine(line);
        }

        public ValueTask DisposeAsync()
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit();
            }
            _process.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
