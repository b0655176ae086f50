namespace Sawmill.Storage;

/// <summary>Settings of a <see cref="LogStore"/>. Defaults follow Loki's where Loki has the same knob.</summary>
public sealed record LogStoreOptions
{
    /// <summary>Root directory; the WAL lives in <c>&lt;dir&gt;/wal</c>.</summary>
    public required string Directory { get; init; }

    /// <summary>How the WAL makes a push durable before it is acknowledged.</summary>
    public WalSyncMode SyncMode { get; init; } = WalSyncMode.Batch;

    /// <summary>
    /// Entries older than the newest entry of their stream by more than this are rejected
    /// (Loki 2.4+ accepts out-of-order writes within <c>max_chunk_age / 2</c>; 1h by default).
    /// </summary>
    public TimeSpan OutOfOrderWindow { get; init; } = TimeSpan.FromHours(1);

    /// <summary>WAL segment size at which a new segment file is started.</summary>
    public long WalSegmentSize { get; init; } = 128L * 1024 * 1024;
}

/// <summary>WAL durability policy.</summary>
public enum WalSyncMode
{
    /// <summary>Group commit: every batch of concurrent pushes is written and fsynced once before any of them is acknowledged.</summary>
    Batch,

    /// <summary>Written to the OS before acknowledging, fsynced in the background: survives a process kill, not a power loss.</summary>
    Os,
}
