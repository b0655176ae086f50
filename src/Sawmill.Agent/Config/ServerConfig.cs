namespace Sawmill.Agent.Config;

/// <summary>Promtail's <c>server</c> block: where the agent's own <c>/metrics</c> and <c>/ready</c> listen.</summary>
public sealed record ServerConfig
{
    public string HttpListenAddress { get; init; } = "0.0.0.0";
    /// <summary>Promtail's default 9080; 0 picks a free port; -1 (or <c>disable: true</c>) disables the server.</summary>
    public int HttpListenPort { get; init; } = 9080;
    public bool Disabled { get; init; }
}
