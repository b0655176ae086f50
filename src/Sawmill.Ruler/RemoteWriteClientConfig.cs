namespace Sawmill.Ruler;

/// <summary>One Prometheus remote-write target (<c>ruler.remote_write.clients.NAME</c> or <c>.client</c>).</summary>
public sealed record RemoteWriteClientConfig
{
    public required string Name { get; init; }
    public required string Url { get; init; }
    public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>();
    public TimeSpan RemoteTimeout { get; init; } = TimeSpan.FromSeconds(30);
    /// <summary>Most samples in one request (<c>queue_config.max_samples_per_send</c>).</summary>
    public int MaxSamplesPerSend { get; init; } = 2000;
    public TimeSpan MinBackoff { get; init; } = TimeSpan.FromMilliseconds(30);
    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(5);
    /// <summary>Bytes of unsent samples kept on disk before the oldest are dropped (<c>queue_config.capacity</c> × ~64 B).</summary>
    public long MaxQueueBytes { get; init; } = 256L * 1024 * 1024;
}
