namespace Sawmill.Agent.Discovery;

/// <summary>
/// <c>kubernetes_sd_configs</c> (role pod) without an API server: scans the node's pod log directory
/// (<c>/var/log/pods/&lt;namespace&gt;_&lt;pod&gt;_&lt;uid&gt;/&lt;container&gt;/*.log</c>, as a DaemonSet mounting it sees it)
/// and produces one target per container directory with the labels the path determines:
/// <c>__meta_kubernetes_namespace</c>, <c>__meta_kubernetes_pod_name</c>, <c>__meta_kubernetes_pod_uid</c>,
/// <c>__meta_kubernetes_pod_container_name</c>, <c>__meta_kubernetes_pod_node_name</c> (from NODE_NAME or the host
/// name), plus <c>namespace</c>, <c>pod</c>, <c>container</c> and <c>__path__</c> = the container's <c>*.log</c> glob.
/// Pod labels and annotations live only in the API server and are absent.
/// </summary>
public static class KubernetesPodDiscovery
{
    /// <summary>The <c>__meta_kubernetes_*</c> labels this discovery can set; relabel rules reading others are warned about.</summary>
    public static readonly IReadOnlySet<string> DerivableLabels = new HashSet<string>(StringComparer.Ordinal)
    {
        "__meta_kubernetes_namespace", "__meta_kubernetes_pod_name", "__meta_kubernetes_pod_uid",
        "__meta_kubernetes_pod_container_name", "__meta_kubernetes_pod_node_name",
    };

    public static List<TargetGroup> Discover(string podLogsDir)
    {
        var groups = new List<TargetGroup>();
        if (!Directory.Exists(podLogsDir))
            return groups;
        var node = Environment.GetEnvironmentVariable("NODE_NAME") is { Length: > 0 } n ? n : Environment.MachineName;
        foreach (var podDir in Directory.EnumerateDirectories(podLogsDir).Order(StringComparer.Ordinal))
        {
            var name = Path.GetFileName(podDir);
            // <namespace>_<pod>_<uid>: namespaces and pod names cannot contain '_', so the split is unambiguous.
            var parts = name.Split('_');
            if (parts.Length != 3)
                continue;
            IEnumerable<string> containers;
            try
            {
                containers = Directory.EnumerateDirectories(podDir).Order(StringComparer.Ordinal).ToList();
            }
            catch (IOException)
            {
                continue;
            }
            foreach (var containerDir in containers)
            {
                var container = Path.GetFileName(containerDir);
                groups.Add(new TargetGroup("kubernetes:" + podLogsDir, new Dictionary<string, string>(StringComparer.Ordinal)
                {
                    ["__meta_kubernetes_namespace"] = parts[0],
                    ["__meta_kubernetes_pod_name"] = parts[1],
                    ["__meta_kubernetes_pod_uid"] = parts[2],
                    ["__meta_kubernetes_pod_container_name"] = container,
                    ["__meta_kubernetes_pod_node_name"] = node,
                    ["namespace"] = parts[0],
                    ["pod"] = parts[1],
                    ["container"] = container,
                    ["__path__"] = Path.Combine(containerDir, "*.log"),
                }));
            }
        }
        return groups;
    }
}
