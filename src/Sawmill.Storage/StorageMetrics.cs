namespace Sawmill.Storage;

/// <summary>Counters and gauges of a store, read by the server's <c>/metrics</c>. Updated with Interlocked; thread-safe.</summary>
public sealed class StorageMetrics
{
    internal long EntriesAppended;
    internal long BytesAppended;
    internal long DuplicatesDropped;
    internal long OutOfOrderRejected;
    internal long WalRecordsReplayed;
    internal long ChunksFlushedCount;
    internal long BlocksWrittenCount;
    internal long CheckpointsCount;
    internal long FlushFailuresCount;
    internal long CorruptBlocksCount;
    internal long DamagedChunksCount;
    internal long QuarantinedChunksCount;
    internal long StreamsEvictedCount;
    internal long RecompressedBytesBeforeCount;
    internal long RecompressedBytesAfterCount;
    internal long BlocksUploadedCount;
    internal long BytesUploadedCount;
    internal long UploadFailuresCount;
    internal long BlocksDroppedCount;

    public long Entries => Interlocked.Read(ref EntriesAppended);
    public long Bytes => Interlocked.Read(ref BytesAppended);
    public long Duplicates => Interlocked.Read(ref DuplicatesDropped);
    public long OutOfOrder => Interlocked.Read(ref OutOfOrderRejected);
    public long Replayed => Interlocked.Read(ref WalRecordsReplayed);
    public long WalBytes { get; internal set; }
    public long WalSyncs { get; internal set; }
    public long Streams { get; internal set; }

    /// <summary>Chunks written to persisted blocks since start.</summary>
    public long ChunksFlushed => Interlocked.Read(ref ChunksFlushedCount);

    /// <summary>Blocks written (flush and compaction) since start.</summary>
    public long BlocksWritten => Interlocked.Read(ref BlocksWrittenCount);

    /// <summary>WAL checkpoints completed since start.</summary>
    public long Checkpoints => Interlocked.Read(ref CheckpointsCount);

    /// <summary>Flushes that failed (the data stays in memory and in the WAL; the next flush retries).</summary>
    public long FlushFailures => Interlocked.Read(ref FlushFailuresCount);

    /// <summary>Block directories found corrupt at open and set aside.</summary>
    public long CorruptBlocks => Interlocked.Read(ref CorruptBlocksCount);

    /// <summary>Distinct chunks found damaged (checksum, bounds or decoding failure) while reading, since start.</summary>
    public long DamagedChunks => Interlocked.Read(ref DamagedChunksCount);

    /// <summary>Damaged chunks compaction moved aside (out of their block, into <c>blocks/&lt;tenant&gt;/damaged/</c>), since start.</summary>
    public long QuarantinedChunks => Interlocked.Read(ref QuarantinedChunksCount);

    /// <summary>Streams removed from the head after their data was flushed and they stayed idle.</summary>
    public long StreamsEvicted => Interlocked.Read(ref StreamsEvictedCount);

    /// <summary>Disk bytes of the blocks the compactor's cold recompression rewrote, before the rewrite (since start).</summary>
    public long RecompressedBytesBefore => Interlocked.Read(ref RecompressedBytesBeforeCount);

    /// <summary>Disk bytes of the blocks the cold recompression wrote in their place (since start).</summary>
    public long RecompressedBytesAfter => Interlocked.Read(ref RecompressedBytesAfterCount);

    /// <summary>Persisted blocks currently open.</summary>
    public long Blocks { get; internal set; }

    /// <summary>Bytes of persisted blocks on disk (chunks + index).</summary>
    public long BlockBytes { get; internal set; }

    /// <summary>Bytes of WAL segments and checkpoints on disk.</summary>
    public long WalDiskBytes { get; internal set; }

    /// <summary>Entries held in memory (not yet in a block on disk), as of the last <see cref="LogStore.UpdateHeadMetrics"/>.</summary>
    public long HeadEntries { get; internal set; }

    /// <summary>Bytes the head holds for its entries (open raw blocks and compressed blocks and chunks), as of the last update.</summary>
    public long HeadBytes { get; internal set; }

    /// <summary>Blocks uploaded to the bucket (write nodes) since start.</summary>
    public long BlocksUploaded => Interlocked.Read(ref BlocksUploadedCount);

    /// <summary>Bytes uploaded to the bucket (chunks, index and meta objects) since start.</summary>
    public long BytesUploaded => Interlocked.Read(ref BytesUploadedCount);

    /// <summary>Block uploads that failed (retried; the block stays on local disk until one succeeds).</summary>
    public long UploadFailures => Interlocked.Read(ref UploadFailuresCount);

    /// <summary>Uploaded blocks removed from local disk after the retain period.</summary>
    public long BlocksDropped => Interlocked.Read(ref BlocksDroppedCount);

    /// <summary>Blocks on local disk not uploaded yet.</summary>
    public long BlocksPendingUpload { get; internal set; }
}
