using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace Sawmill.Agent.Tests.Discovery.Kubernetes;

/// <summary>A container of a test pod: name and ports (name, number, protocol).</summary>
internal sealed record TestContainer(string Name, params (string Name, int Port, string Protocol)[] Ports);

/// <summary>What a test pod varies; everything else is filled in as the API server returns a Deployment's pod.</summary>
internal sealed record TestPod
{
    public required string Namespace { get; init; }
    public required string Name { get; init; }
    public string Uid { get; init; } = Guid.NewGuid().ToString();
    public string Node { get; init; } = "node-a";
    public Dictionary<string, string> Labels { get; init; } = [];
    public Dictionary<string, string> Annotations { get; init; } = [];
    public TestContainer[] Containers { get; init; } = [new TestContainer("app")];
    public TestContainer[] InitContainers { get; init; } = [];
    /// <summary>Controller owner reference (kind, name); null = a bare pod.</summary>
    public (string Kind, string Name)? Owner { get; init; } = ("ReplicaSet", "app-7d9f8c6b5");
    /// <summary>Pod IP; null = not assigned yet (pending).</summary>
    public string? PodIp { get; init; } = "10.244.1.23";
    public string HostIp { get; init; } = "10.0.0.11";
    public string Phase { get; init; } = "Running";
    public bool Ready { get; init; } = true;
}

/// <summary>
/// Objects shaped as the Kubernetes API server returns them (field names, nesting, nulls and defaults of
/// core/v1 Pod, Node, Service and Endpoints in the API reference), for <see cref="FakeKubeApi"/>.
/// </summary>
internal static class KubeObjects
{
    private const string Created = "2026-11-20T09:14:03Z";

    public static JsonObject Pod(TestPod p)
    {
        var saVolume = "kube-api-access-" + Hash(p.Name)[..5];
        JsonObject Container(TestContainer c, bool init)
        {
            var o = new JsonObject
            {
            ["name"] = c.Name,
            ["image"] = $"registry.example.com/{c.Name}:1.4.2",
            ["ports"] = c.Ports.Length == 0 ? null : new JsonArray(c.Ports.Select(x =>
            {
                var port = new JsonObject { ["name"] = x.Name, ["containerPort"] = x.Port, ["protocol"] = x.Protocol };
                if (x.Name.Length == 0)
                    port.Remove("name");
                return (JsonNode)port;
            }).ToArray()),
            ["resources"] = new JsonObject(),
            ["volumeMounts"] = new JsonArray(new JsonObject
            {
                ["name"] = saVolume,
                ["readOnly"] = true,
                ["mountPath"] = "/var/run/secrets/kubernetes.io/serviceaccount",
            }),
            ["terminationMessagePath"] = "/dev/termination-log",
            ["terminationMessagePolicy"] = "File",
            ["imagePullPolicy"] = init ? "Always" : "IfNotPresent",
            };
            RemoveNulls(o);
            return o;
        }
        JsonObject Status(TestContainer c, bool init) => new()
        {
            ["name"] = c.Name,
            ["state"] = init
                ? new JsonObject
                {
                    ["terminated"] = new JsonObject
                    {
                        ["exitCode"] = 0, ["reason"] = "Completed", ["startedAt"] = Created, ["finishedAt"] = Created,
                        ["containerID"] = ContainerId(p, c.Name),
                    },
                }
                : new JsonObject { ["running"] = new JsonObject { ["startedAt"] = Created } },
            ["lastState"] = new JsonObject(),
            ["ready"] = init || p.Ready,
            ["restartCount"] = 0,
            ["image"] = $"registry.example.com/{c.Name}:1.4.2",
            ["imageID"] = $"registry.example.com/{c.Name}@sha256:{Hash(c.Name)}",
            ["containerID"] = ContainerId(p, c.Name),
            ["started"] = !init,
        };
        JsonObject Condition(string type, bool status) => new()
        {
            ["type"] = type,
            ["status"] = status ? "True" : "False",
            ["lastProbeTime"] = null,
            ["lastTransitionTime"] = Created,
        };

        var metadata = new JsonObject
        {
            ["name"] = p.Name,
            ["generateName"] = p.Owner is { } o0 ? o0.Name + "-" : null,
            ["namespace"] = p.Namespace,
            ["uid"] = p.Uid,
            ["creationTimestamp"] = Created,
            ["labels"] = Map(p.Labels),
            ["annotations"] = p.Annotations.Count == 0 ? null : Map(p.Annotations),
            ["ownerReferences"] = p.Owner is { } o ? new JsonArray(new JsonObject
            {
                ["apiVersion"] = o.Kind is "Job" ? "batch/v1" : "apps/v1",
                ["kind"] = o.Kind,
                ["name"] = o.Name,
                ["uid"] = Guid.NewGuid().ToString(),
                ["controller"] = true,
                ["blockOwnerDeletion"] = true,
            }) : null,
            ["managedFields"] = new JsonArray(new JsonObject
            {
                ["manager"] = "kube-controller-manager",
                ["operation"] = "Update",
                ["apiVersion"] = "v1",
                ["time"] = Created,
                ["fieldsType"] = "FieldsV1",
                ["fieldsV1"] = new JsonObject { ["f:metadata"] = new JsonObject { ["f:generateName"] = new JsonObject() } },
            }),
        };
        RemoveNulls(metadata);

        var spec = new JsonObject
        {
            ["volumes"] = new JsonArray(new JsonObject
            {
                ["name"] = saVolume,
                ["projected"] = new JsonObject
                {
                    ["sources"] = new JsonArray(
                        new JsonObject { ["serviceAccountToken"] = new JsonObject { ["expirationSeconds"] = 3607, ["path"] = "token" } },
                        new JsonObject { ["configMap"] = new JsonObject { ["name"] = "kube-root-ca.crt", ["items"] = new JsonArray(new JsonObject { ["key"] = "ca.crt", ["path"] = "ca.crt" }) } },
                        new JsonObject
                        {
                            ["downwardAPI"] = new JsonObject
                            {
                                ["items"] = new JsonArray(new JsonObject
                                {
                                    ["path"] = "namespace",
                                    ["fieldRef"] = new JsonObject { ["apiVersion"] = "v1", ["fieldPath"] = "metadata.namespace" },
                                }),
                            },
                        }),
                    ["defaultMode"] = 420,
                },
            }),
            ["initContainers"] = p.InitContainers.Length == 0 ? null : new JsonArray(p.InitContainers.Select(c => (JsonNode)Container(c, true)).ToArray()),
            ["containers"] = new JsonArray(p.Containers.Select(c => (JsonNode)Container(c, false)).ToArray()),
            ["restartPolicy"] = "Always",
            ["terminationGracePeriodSeconds"] = 30,
            ["dnsPolicy"] = "ClusterFirst",
            ["serviceAccountName"] = "default",
            ["serviceAccount"] = "default",
            ["nodeName"] = p.Node,
            ["securityContext"] = new JsonObject(),
            ["schedulerName"] = "default-scheduler",
            ["tolerations"] = new JsonArray(
                new JsonObject { ["key"] = "node.kubernetes.io/not-ready", ["operator"] = "Exists", ["effect"] = "NoExecute", ["tolerationSeconds"] = 300 },
                new JsonObject { ["key"] = "node.kubernetes.io/unreachable", ["operator"] = "Exists", ["effect"] = "NoExecute", ["tolerationSeconds"] = 300 }),
            ["priority"] = 0,
            ["enableServiceLinks"] = true,
            ["preemptionPolicy"] = "PreemptLowerPriority",
        };
        RemoveNulls(spec);

        var status = new JsonObject
        {
            ["phase"] = p.Phase,
            ["conditions"] = new JsonArray(
                Condition("PodReadyToStartContainers", p.PodIp != null),
                Condition("Initialized", true),
                Condition("Ready", p.Ready),
                Condition("ContainersReady", p.Ready),
                Condition("PodScheduled", true)),
            ["hostIP"] = p.HostIp,
            ["hostIPs"] = new JsonArray(new JsonObject { ["ip"] = p.HostIp }),
            ["podIP"] = p.PodIp,
            ["podIPs"] = p.PodIp == null ? null : new JsonArray(new JsonObject { ["ip"] = p.PodIp }),
            ["startTime"] = Created,
            ["initContainerStatuses"] = p.InitContainers.Length == 0 ? null : new JsonArray(p.InitContainers.Select(c => (JsonNode)Status(c, true)).ToArray()),
            ["containerStatuses"] = new JsonArray(p.Containers.Select(c => (JsonNode)Status(c, false)).ToArray()),
            ["qosClass"] = "BestEffort",
        };
        RemoveNulls(status);
        return new JsonObject { ["metadata"] = metadata, ["spec"] = spec, ["status"] = status };
    }

    /// <summary>The CRI container ID the kubelet reports: <c>containerd://</c> and 64 hex digits.</summary>
    public static string ContainerId(TestPod p, string container) => "containerd://" + Hash(p.Uid + "/" + container);

    /// <summary>Marks a pod as being deleted (what a DELETE request does first: deletionTimestamp and grace period).</summary>
    public static void MarkTerminating(JsonObject pod)
    {
        pod["metadata"]!["deletionTimestamp"] = DateTime.UtcNow.AddSeconds(30).ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
        pod["metadata"]!["deletionGracePeriodSeconds"] = 30;
    }

    public static JsonObject Node(string name, Dictionary<string, string> labels, string internalIp, string? hostname = null) => new()
    {
        ["metadata"] = new JsonObject
        {
            ["name"] = name,
            ["uid"] = Guid.NewGuid().ToString(),
            ["creationTimestamp"] = Created,
            ["labels"] = Map(labels),
            ["annotations"] = new JsonObject
            {
                ["node.alpha.kubernetes.io/ttl"] = "0",
                ["volumes.kubernetes.io/controller-managed-attach-detach"] = "true",
            },
        },
        ["spec"] = new JsonObject { ["podCIDR"] = "10.244.1.0/24", ["podCIDRs"] = new JsonArray("10.244.1.0/24"), ["providerID"] = "kind://docker/kind/" + name },
        ["status"] = new JsonObject
        {
            ["capacity"] = new JsonObject { ["cpu"] = "2", ["memory"] = "24564732Ki", ["pods"] = "110" },
            ["allocatable"] = new JsonObject { ["cpu"] = "2", ["memory"] = "24564732Ki", ["pods"] = "110" },
            ["conditions"] = new JsonArray(new JsonObject
            {
                ["type"] = "Ready", ["status"] = "True", ["lastHeartbeatTime"] = Created, ["lastTransitionTime"] = Created,
                ["reason"] = "KubeletReady", ["message"] = "kubelet is posting ready status",
            }),
            ["addresses"] = new JsonArray(
                new JsonObject { ["type"] = "InternalIP", ["address"] = internalIp },
                new JsonObject { ["type"] = "Hostname", ["address"] = hostname ?? name }),
            ["daemonEndpoints"] = new JsonObject { ["kubeletEndpoint"] = new JsonObject { ["Port"] = 10250 } },
            ["nodeInfo"] = new JsonObject
            {
                ["machineID"] = Hash(name)[..32], ["systemUUID"] = Guid.NewGuid().ToString(), ["bootID"] = Guid.NewGuid().ToString(),
                ["kernelVersion"] = "6.1.0-28-amd64", ["osImage"] = "Debian GNU/Linux 12 (bookworm)", ["containerRuntimeVersion"] = "containerd://1.7.18",
                ["kubeletVersion"] = "v1.30.0", ["kubeProxyVersion"] = "v1.30.0", ["operatingSystem"] = "linux", ["architecture"] = "amd64",
            },
        },
    };

    public static JsonObject Service(string ns, string name, Dictionary<string, string> labels, string type, params (string Name, int Port, string Protocol)[] ports)
    {
        var spec = new JsonObject
        {
            ["ports"] = new JsonArray(ports.Select(p => (JsonNode)new JsonObject
            {
                ["name"] = p.Name, ["protocol"] = p.Protocol, ["port"] = p.Port, ["targetPort"] = p.Port,
            }).ToArray()),
            ["selector"] = new JsonObject { ["app"] = name },
            ["type"] = type,
            ["sessionAffinity"] = "None",
            ["ipFamilies"] = new JsonArray("IPv4"),
            ["ipFamilyPolicy"] = "SingleStack",
            ["internalTrafficPolicy"] = "Cluster",
        };
        if (type == "ExternalName")
        {
            spec["externalName"] = name + ".example.com";
        }
        else
        {
            spec["clusterIP"] = "10.96.12.34";
            spec["clusterIPs"] = new JsonArray("10.96.12.34");
        }
        return new JsonObject
        {
            ["metadata"] = new JsonObject
            {
                ["name"] = name, ["namespace"] = ns, ["uid"] = Guid.NewGuid().ToString(), ["creationTimestamp"] = Created, ["labels"] = Map(labels),
            },
            ["spec"] = spec,
            ["status"] = new JsonObject { ["loadBalancer"] = new JsonObject() },
        };
    }

    /// <summary>Endpoints of a service: ready and not-ready pod addresses on one port.</summary>
    public static JsonObject Endpoints(string ns, string name, (string Name, int Port, string Protocol) port,
        (string Ip, string Pod, string Node)[] ready, (string Ip, string Pod, string Node)[] notReady)
    {
        JsonNode Addr((string Ip, string Pod, string Node) a) => new JsonObject
        {
            ["ip"] = a.Ip,
            ["nodeName"] = a.Node,
            ["targetRef"] = new JsonObject { ["kind"] = "Pod", ["namespace"] = ns, ["name"] = a.Pod, ["uid"] = Guid.NewGuid().ToString() },
        };
        var subset = new JsonObject();
        if (ready.Length > 0)
            subset["addresses"] = new JsonArray(ready.Select(Addr).ToArray());
        if (notReady.Length > 0)
            subset["notReadyAddresses"] = new JsonArray(notReady.Select(Addr).ToArray());
        subset["ports"] = new JsonArray(new JsonObject { ["name"] = port.Name, ["port"] = port.Port, ["protocol"] = port.Protocol });
        return new JsonObject
        {
            ["metadata"] = new JsonObject
            {
                ["name"] = name, ["namespace"] = ns, ["uid"] = Guid.NewGuid().ToString(), ["creationTimestamp"] = Created,
                ["labels"] = new JsonObject { ["app"] = name },
                ["annotations"] = new JsonObject { ["endpoints.kubernetes.io/last-change-trigger-time"] = Created },
            },
            ["subsets"] = new JsonArray(subset),
        };
    }

    private static JsonObject Map(Dictionary<string, string> d)
    {
        var o = new JsonObject();
        foreach (var (k, v) in d)
            o[k] = v;
        return o;
    }

    private static void RemoveNulls(JsonObject o)
    {
        foreach (var key in o.Where(kv => kv.Value == null).Select(kv => kv.Key).ToList())
            o.Remove(key);
    }

    private static string Hash(string s) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(s)));
}
