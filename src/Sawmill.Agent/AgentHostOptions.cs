using Sawmill.Agent.Tailing;

namespace Sawmill.Agent;

/// <summary>Command-line choices that are not part of the Promtail config.</summary>
public sealed record AgentHostOptions
{
    /// <summary>Print entries instead of sending them; positions are not written.</summary>
    public bool DryRun { get; init; }
    /// <summary>When set, every stage's effect on every entry is written here (<c>-inspect</c>).</summary>
    public TextWriter? Inspect { get; init; }
    /// <summary>Where dry-run output goes (stdout by default).</summary>
    public TextWriter? Output { get; init; }
    /// <summary>Overrides the host name (default $HOSTNAME, else the machine name) used for <c>__host__</c> and the pod field selector.</summary>
    public string? Hostname { get; init; }
    /// <summary>Where kubernetes_sd_configs' in-cluster config reads the service-account token, CA and namespace.</summary>
    public string ServiceAccountDir { get; init; } = Discovery.Kubernetes.KubernetesClientFactory.ServiceAccountDir;
    /// <summary>How long start-up waits for the Kubernetes discoveries' first lists before the first target sync.</summary>
    public TimeSpan DiscoveryStartWait { get; init; } = TimeSpan.FromSeconds(10);
    /// <summary>Overrides target_config.sync_period (tests use a short one).</summary>
    public TimeSpan? TargetSyncPeriod { get; init; }
    public TailerOptions Tailer { get; init; } = new();
    /// <summary>How long shutdown keeps trying to deliver before spilling the rest to disk.</summary>
    public TimeSpan ShutdownTimeout { get; init; } = TimeSpan.FromSeconds(10);
    /// <summary>Overrides server.http_listen_port (0 = any free port).</summary>
    public int? HttpListenPort { get; init; }
    public string? HttpListenAddress { get; init; }
}
