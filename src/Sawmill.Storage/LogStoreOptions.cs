using Sawmill.Storage.Chunks;

namespace Sawmill.Storage;

/// <summary>Settings of a <see cref="LogStore"/>. Defaults follow Loki's where Loki has the same knob.</summary>
public sealed record LogStoreOptions
{
    /// <summary>Root directory; the WAL lives in <c>&lt;dir&gt;/wal</c>, persisted blocks in <c>&lt;dir&gt;/blocks/&lt;tenant&gt;</c>.</summary>
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

    /// <summary>Compression of chunk blocks (Loki's <c>chunk_encoding</c>; zstd by default here).</summary>
    public ChunkCodec Codec { get; init; } = ChunkCodec.Zstd;

    /// <summary>Compressed size at which a chunk is cut (Loki's <c>chunk_target_size</c>, 1572864).</summary>
    public long ChunkTargetSize { get; init; } = 1_572_864;

    /// <summary>Raw line bytes per block inside a chunk (Loki's <c>chunk_block_size</c>, 262144).</summary>
    public int BlockSize { get; init; } = 262_144;

    /// <summary>A chunk that received nothing for this long is cut (Loki's <c>chunk_idle_period</c>, 30m).</summary>
    public TimeSpan ChunkIdlePeriod { get; init; } = TimeSpan.FromMinutes(30);

    /// <summary>A chunk open this long is cut (Loki's <c>max_chunk_age</c>, 2h).</summary>
    public TimeSpan MaxChunkAge { get; init; } = TimeSpan.FromHours(2);

    /// <summary>How often the flush loop cuts due chunks and writes blocks (Loki's <c>flush_check_period</c>, 30s).</summary>
    public TimeSpan FlushCheckPeriod { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Cut chunks waiting in memory beyond this many bytes trigger a flush before the next period.</summary>
    public long MaxUnflushedBytes { get; init; } = 64L * 1024 * 1024;

    /// <summary>
    /// WAL bytes on disk beyond which the flush loop checkpoints even when no chunk was cut, bounding replay time.
    /// </summary>
    public long WalCheckpointSize { get; init; } = 512L * 1024 * 1024;

    /// <summary>Blocks smaller than this (stored bytes) are merged together by <see cref="LogStore.CompactAsync"/>.</summary>
    public long CompactionSmallBlockBytes { get; init; } = 256L * 1024 * 1024;

    /// <summary>How <see cref="LogStore.RecompressAsync"/> re-encodes cold chunks (zstd level, block size).</summary>
    public Compaction.RecompressionSettings Recompression { get; init; } = new();

    /// <summary>
    /// The object store a write node ships its blocks to (null: blocks stay on local disk, the single-process mode).
    /// A flushed block is uploaded (chunks, index, then meta.json, which commits it), stays readable locally for
    /// <see cref="RetainAfterUpload"/> (until read nodes' bucket sync has seen it), then is deleted from local disk.
    /// </summary>
    public Bucket.IBucket? Bucket { get; init; }

    /// <summary>This node's ring instance id, recorded in the <c>origin</c> of the blocks it uploads.</summary>
    public string? Origin { get; init; }

    /// <summary>How long an uploaded block stays on local disk and readable from this node.</summary>
    public TimeSpan RetainAfterUpload { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Runs the background flush loop (tests turn it off and call <see cref="LogStore.FlushAsync"/>).</summary>
    public bool BackgroundFlush { get; init; } = true;
}

/// <summary>WAL durability policy.</summary>
public enum WalSyncMode
{
    /// <summary>Group commit: every batch of concurrent pushes is written and fsynced once before any of them is acknowledged.</summary>
    Batch,

    /// <summary>Written to the OS before acknowledging, fsynced in the background: survives a process kill, not a power loss.</summary>
    Os,
}
