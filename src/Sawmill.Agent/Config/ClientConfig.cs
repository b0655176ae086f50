namespace Sawmill.Agent.Config;

/// <summary>One entry of Promtail's <c>clients</c> list: where and how to push.</summary>
public sealed record ClientConfig
{
    public required Uri Url { get; init; }
    public string? TenantId { get; init; }
    /// <summary>Longest time an entry waits in a batch before the batch is sent (Promtail default 1s).</summary>
    public TimeSpan BatchWait { get; init; } = TimeSpan.FromSeconds(1);
    /// <summary>Batch size in line bytes that triggers a send (Promtail default 1 MiB).</summary>
    public long BatchSize { get; init; } = 1024 * 1024;
    public BackoffConfig Backoff { get; init; } = BackoffConfig.Default;
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(10);
    public IReadOnlyDictionary<string, string> ExternalLabels { get; init; } = new Dictionary<string, string>();
    public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>();
    public string? BasicAuthUser { get; init; }
    public string? BasicAuthPassword { get; init; }
    public string? BearerToken { get; init; }
    /// <summary>Drops batches rejected for rate limits instead of retrying (Promtail's <c>drop_rate_limited_batches</c>).</summary>
    public bool DropRateLimitedBatches { get; init; }
}
