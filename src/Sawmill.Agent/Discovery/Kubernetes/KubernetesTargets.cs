using System.Globalization;
using System.Text;
using k8s.Models;

namespace Sawmill.Agent.Discovery.Kubernetes;

/// <summary>A discovered target group: its source (<c>pod/ns/name</c>…), the labels common to its targets, and the targets.</summary>
internal sealed record KubernetesGroup(string Source, Dictionary<string, string> Labels, List<Dictionary<string, string>> Targets);

/// <summary>
/// Builds target groups from Kubernetes objects with the meta labels and target layout of Prometheus' Kubernetes
/// discovery (the version Promtail 2.9 is built with): one group per object, with the object's labels and
/// annotations as <c>_label_</c>/<c>_labelpresent_</c>/<c>_annotation_</c>/<c>_annotationpresent_</c> labels whose names
/// are sanitised (every character outside <c>[a-zA-Z0-9_]</c> becomes <c>_</c>).
/// </summary>
internal static class KubernetesTargets
{
    public const string Meta = "__meta_kubernetes_";
    private const string Namespace = Meta + "namespace";
    private const string Address = "__address__";

    /// <summary>
    /// Role pod: group labels from the pod (name, IP, ready, phase, node, host IP, UID, controller kind and name,
    /// labels, annotations, namespace, and with <paramref name="node"/> the node's name and labels); one target per
    /// container port, or one per container without ports, for containers and then init containers. A pod without an IP
    /// (pending, or evicted) has no targets.
    /// </summary>
    public static KubernetesGroup Pod(V1Pod pod, V1Node? node, bool attachNode)
    {
        var group = new KubernetesGroup(PodSource(pod.Metadata.NamespaceProperty, pod.Metadata.Name), new(StringComparer.Ordinal), []);
        var ip = pod.Status?.PodIP;
        if (string.IsNullOrEmpty(ip))
            return group;
        var labels = group.Labels;
        PodLabels(pod, labels);
        labels[Namespace] = pod.Metadata.NamespaceProperty ?? "";
        if (attachNode)
            AddNodeLabels(labels, pod.Spec?.NodeName, node);

        var containers = pod.Spec?.Containers ?? [];
        var inits = pod.Spec?.InitContainers ?? [];
        for (var i = 0; i < containers.Count + inits.Count; i++)
        {
            var isInit = i >= containers.Count;
            var c = isInit ? inits[i - containers.Count] : containers[i];
            var statuses = isInit ? pod.Status?.InitContainerStatuses : pod.Status?.ContainerStatuses;
            var id = statuses?.FirstOrDefault(s => s.Name == c.Name)?.ContainerID ?? "";
            if (c.Ports == null || c.Ports.Count == 0)
            {
                group.Targets.Add(new Dictionary<string, string>(StringComparer.Ordinal)
                {
                    [Address] = ip,
                    [Meta + "pod_container_name"] = c.Name ?? "",
                    [Meta + "pod_container_id"] = id,
                    [Meta + "pod_container_image"] = c.Image ?? "",
                    [Meta + "pod_container_init"] = isInit ? "true" : "false",
                });
                continue;
            }
            foreach (var port in c.Ports)
            {
                var number = port.ContainerPort.ToString(CultureInfo.InvariantCulture);
                group.Targets.Add(new Dictionary<string, string>(StringComparer.Ordinal)
                {
                    [Address] = JoinHostPort(ip, number),
                    [Meta + "pod_container_name"] = c.Name ?? "",
                    [Meta + "pod_container_id"] = id,
                    [Meta + "pod_container_image"] = c.Image ?? "",
                    [Meta + "pod_container_port_number"] = number,
                    [Meta + "pod_container_port_name"] = port.Name ?? "",
                    [Meta + "pod_container_port_protocol"] = port.Protocol ?? "",
                    [Meta + "pod_container_init"] = isInit ? "true" : "false",
                });
            }
        }
        return group;
    }

    public static string PodSource(string? ns, string? name) => "pod/" + ns + "/" + name;

    /// <summary>The pod labels shared by roles pod and endpoints (everything but the namespace and the containers).</summary>
    private static void PodLabels(V1Pod pod, Dictionary<string, string> labels)
    {
        labels[Meta + "pod_name"] = pod.Metadata.Name ?? "";
        labels[Meta + "pod_ip"] = pod.Status?.PodIP ?? "";
        labels[Meta + "pod_ready"] = PodReady(pod);
        labels[Meta + "pod_phase"] = pod.Status?.Phase ?? "";
        labels[Meta + "pod_node_name"] = pod.Spec?.NodeName ?? "";
        labels[Meta + "pod_host_ip"] = pod.Status?.HostIP ?? "";
        labels[Meta + "pod_uid"] = pod.Metadata.Uid ?? "";
        // The controller is the owner reference marked controller: true (a ReplicaSet, StatefulSet, DaemonSet, Job…).
        if (pod.Metadata.OwnerReferences?.FirstOrDefault(o => o.Controller == true) is { } owner)
        {
            if (!string.IsNullOrEmpty(owner.Kind))
                labels[Meta + "pod_controller_kind"] = owner.Kind;
            if (!string.IsNullOrEmpty(owner.Name))
                labels[Meta + "pod_controller_name"] = owner.Name;
        }
        AddMap(labels, "pod_label", "pod_labelpresent", pod.Metadata.Labels);
        AddMap(labels, "pod_annotation", "pod_annotationpresent", pod.Metadata.Annotations);
    }

    /// <summary>The Ready condition's status in lower case (<c>true</c>, <c>false</c>, <c>unknown</c>); <c>unknown</c> without one.</summary>
    private static string PodReady(V1Pod pod)
    {
        foreach (var c in pod.Status?.Conditions ?? [])
            if (c.Type == "Ready")
                return (c.Status ?? "").ToLowerInvariant();
        return "unknown";
    }

    /// <summary>
    /// Role node: group labels are the node's name, provider ID, labels and annotations; the one target's address is
    /// the node's preferred address (InternalIP, InternalDNS, ExternalIP, ExternalDNS, LegacyHostIP, Hostname) with
    /// the kubelet port, plus <c>instance</c> and one <c>_node_address_&lt;type&gt;</c> per address type.
    /// </summary>
    public static KubernetesGroup Node(V1Node n)
    {
        var group = new KubernetesGroup("node/" + n.Metadata.Name, new(StringComparer.Ordinal), []);
        var labels = group.Labels;
        labels[Meta + "node_name"] = n.Metadata.Name ?? "";
        labels[Meta + "node_provider_id"] = n.Spec?.ProviderID ?? "";
        AddMap(labels, "node_label", "node_labelpresent", n.Metadata.Labels);
        AddMap(labels, "node_annotation", "node_annotationpresent", n.Metadata.Annotations);

        var byType = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var a in n.Status?.Addresses ?? [])
        {
            if (!byType.TryGetValue(a.Type ?? "", out var list))
                byType[a.Type ?? ""] = list = [];
            list.Add(a.Address ?? "");
        }
        string? address = null;
        foreach (var type in new[] { "InternalIP", "InternalDNS", "ExternalIP", "ExternalDNS", "LegacyHostIP", "Hostname" })
        {
            if (byType.TryGetValue(type, out var list))
            {
                address = list[0];
                break;
            }
        }
        // Without an address Prometheus sends no group for the node; an empty group drops its targets here.
        if (address == null)
            return group;
        var port = (n.Status?.DaemonEndpoints?.KubeletEndpoint?.Port ?? 0).ToString(CultureInfo.InvariantCulture);
        var target = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [Address] = JoinHostPort(address, port),
            ["instance"] = n.Metadata.Name ?? "",
        };
        foreach (var (type, list) in byType)
            target[SanitizeLabelName(Meta + "node_address_" + type)] = list[0];
        group.Targets.Add(target);
        return group;
    }

    /// <summary>
    /// Role service: group labels are the service's name, namespace, labels and annotations; one target per service
    /// port at <c>&lt;name&gt;.&lt;namespace&gt;.svc:&lt;port&gt;</c>.
    /// </summary>
    public static KubernetesGroup Service(V1Service svc)
    {
        var group = new KubernetesGroup("svc/" + svc.Metadata.NamespaceProperty + "/" + svc.Metadata.Name, new(StringComparer.Ordinal), []);
        ServiceLabels(svc, group.Labels);
        var type = svc.Spec?.Type ?? "";
        foreach (var port in svc.Spec?.Ports ?? [])
        {
            var number = port.Port.ToString(CultureInfo.InvariantCulture);
            var target = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                [Address] = JoinHostPort(svc.Metadata.Name + "." + svc.Metadata.NamespaceProperty + ".svc", number),
                [Meta + "service_port_name"] = port.Name ?? "",
                [Meta + "service_port_number"] = number,
                [Meta + "service_port_protocol"] = port.Protocol ?? "",
                [Meta + "service_type"] = type,
            };
            if (type == "ExternalName")
                target[Meta + "service_external_name"] = svc.Spec?.ExternalName ?? "";
            else
                target[Meta + "service_cluster_ip"] = svc.Spec?.ClusterIP ?? "";
            if (type == "LoadBalancer")
                target[Meta + "service_loadbalancer_ip"] = svc.Spec?.LoadBalancerIP ?? "";
            group.Targets.Add(target);
        }
        return group;
    }

    private static void ServiceLabels(V1Service svc, Dictionary<string, string> labels)
    {
        labels[Meta + "service_name"] = svc.Metadata.Name ?? "";
        labels[Namespace] = svc.Metadata.NamespaceProperty ?? "";
        AddMap(labels, "service_label", "service_labelpresent", svc.Metadata.Labels);
        AddMap(labels, "service_annotation", "service_annotationpresent", svc.Metadata.Annotations);
    }

    /// <summary>
    /// Role endpoints: group labels are the namespace, the Endpoints object's name and labels and, when the service of
    /// the same name is known, the service's labels. One target per address and port (ready and not-ready addresses);
    /// an address whose target is a known pod also carries the pod's labels and, for the container port the endpoint
    /// port names, the container's; container ports of those pods that no endpoint port covers become extra targets.
    /// </summary>
    public static KubernetesGroup Endpoints(V1Endpoints eps, Func<string, string, V1Service?> service, Func<string, string, V1Pod?> pod,
        Func<string, V1Node?> node, bool attachNode)
    {
        var ns = eps.Metadata.NamespaceProperty ?? "";
        var group = new KubernetesGroup("endpoints/" + ns + "/" + eps.Metadata.Name, new(StringComparer.Ordinal), []);
        group.Labels[Namespace] = ns;
        group.Labels[Meta + "endpoints_name"] = eps.Metadata.Name ?? "";
        if (service(ns, eps.Metadata.Name ?? "") is { } svc)
            ServiceLabels(svc, group.Labels);
        AddMap(group.Labels, "endpoints_label", "endpoints_labelpresent", eps.Metadata.Labels);

        var seenPods = new Dictionary<string, (V1Pod Pod, List<Corev1EndpointPort> Ports)>(StringComparer.Ordinal);
        void Add(V1EndpointAddress addr, Corev1EndpointPort port, string ready)
        {
            var number = port.Port.ToString(CultureInfo.InvariantCulture);
            var target = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                [Address] = JoinHostPort(addr.Ip ?? "", number),
                [Meta + "endpoint_port_name"] = port.Name ?? "",
                [Meta + "endpoint_port_protocol"] = port.Protocol ?? "",
                [Meta + "endpoint_ready"] = ready,
            };
            if (addr.TargetRef != null)
            {
                target[Meta + "endpoint_address_target_kind"] = addr.TargetRef.Kind ?? "";
                target[Meta + "endpoint_address_target_name"] = addr.TargetRef.Name ?? "";
            }
            if (addr.NodeName != null)
                target[Meta + "endpoint_node_name"] = addr.NodeName;
            if (!string.IsNullOrEmpty(addr.Hostname))
                target[Meta + "endpoint_hostname"] = addr.Hostname;
            if (attachNode)
                AddNodeLabels(target, addr.NodeName, addr.NodeName == null ? null : node(addr.NodeName));

            var p = addr.TargetRef is { Kind: "Pod" } r ? pod(r.NamespaceProperty ?? "", r.Name ?? "") : null;
            if (p == null)
            {
                group.Targets.Add(target);
                return;
            }
            var key = p.Metadata.NamespaceProperty + "/" + p.Metadata.Name;
            if (!seenPods.TryGetValue(key, out var seen))
                seenPods[key] = seen = (p, []);
            PodLabels(p, target);
            foreach (var c in p.Spec?.Containers ?? [])
            {
                var match = c.Ports?.FirstOrDefault(cp => cp.ContainerPort == port.Port);
                if (match == null)
                    continue;
                target[Meta + "pod_container_name"] = c.Name ?? "";
                target[Meta + "pod_container_image"] = c.Image ?? "";
                target[Meta + "pod_container_port_name"] = match.Name ?? "";
                target[Meta + "pod_container_port_number"] = number;
                target[Meta + "pod_container_port_protocol"] = port.Protocol ?? "";
                break;
            }
            seen.Ports.Add(port);
            group.Targets.Add(target);
        }

        foreach (var subset in eps.Subsets ?? [])
        {
            foreach (var port in subset.Ports ?? [])
            {
                foreach (var addr in subset.Addresses ?? [])
                    Add(addr, port, "true");
                foreach (var addr in subset.NotReadyAddresses ?? [])
                    Add(addr, port, "false");
            }
        }

        foreach (var (p, ports) in seenPods.Values)
        {
            foreach (var c in p.Spec?.Containers ?? [])
            {
                foreach (var cport in c.Ports ?? [])
                {
                    if (ports.Any(ep => ep.Port == cport.ContainerPort))
                        continue;
                    var number = cport.ContainerPort.ToString(CultureInfo.InvariantCulture);
                    var target = new Dictionary<string, string>(StringComparer.Ordinal)
                    {
                        [Address] = JoinHostPort(p.Status?.PodIP ?? "", number),
                        [Meta + "pod_container_name"] = c.Name ?? "",
                        [Meta + "pod_container_image"] = c.Image ?? "",
                        [Meta + "pod_container_port_name"] = cport.Name ?? "",
                        [Meta + "pod_container_port_number"] = number,
                        [Meta + "pod_container_port_protocol"] = cport.Protocol ?? "",
                    };
                    PodLabels(p, target);
                    group.Targets.Add(target);
                }
            }
        }
        return group;
    }

    /// <summary>attach_metadata.node: the node's name and labels (not its annotations), when the node is known.</summary>
    private static void AddNodeLabels(Dictionary<string, string> labels, string? nodeName, V1Node? node)
    {
        if (nodeName == null || node == null)
            return;
        labels[Meta + "node_name"] = nodeName;
        AddMap(labels, "node_label", "node_labelpresent", node.Metadata.Labels);
    }

    private static void AddMap(Dictionary<string, string> labels, string prefix, string presentPrefix, IDictionary<string, string>? map)
    {
        if (map == null)
            return;
        foreach (var (k, v) in map)
        {
            var name = SanitizeLabelName(k);
            labels[Meta + prefix + "_" + name] = v ?? "";
            labels[Meta + presentPrefix + "_" + name] = "true";
        }
    }

    /// <summary>Prometheus' label-name sanitising: every character (code point) outside <c>[a-zA-Z0-9_]</c> becomes <c>_</c>.</summary>
    public static string SanitizeLabelName(string name)
    {
        var sb = new StringBuilder(name.Length);
        foreach (var r in name.EnumerateRunes())
            sb.Append(r.IsAscii && (char.IsAsciiLetterOrDigit((char)r.Value) || r.Value == '_') ? (char)r.Value : '_');
        return sb.ToString();
    }

    /// <summary>Go's net.JoinHostPort: IPv6 literals get brackets.</summary>
    public static string JoinHostPort(string host, string port) => host.Contains(':', StringComparison.Ordinal) ? "[" + host + "]:" + port : host + ":" + port;
}
