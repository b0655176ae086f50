namespace Sawmill.Agent.Config;

/// <summary>Promtail's <c>backoff_config</c>: exponential backoff between <see cref="Min"/> and <see cref="Max"/>.</summary>
public sealed record BackoffConfig(TimeSpan Min, TimeSpan Max, int MaxRetries)
{
    /// <summary>Promtail's defaults: min_period 500ms, max_period 5m, max_retries 10.</summary>
    public static readonly BackoffConfig Default = new(TimeSpan.FromMilliseconds(500), TimeSpan.FromMinutes(5), 10);
}
