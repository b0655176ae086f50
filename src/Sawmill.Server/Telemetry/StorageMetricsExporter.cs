using Prometheus;
using Sawmill.Storage;

namespace Sawmill.Server.Telemetry;

/// <summary>Copies the store's counters into Prometheus metrics when <c>/metrics</c> is scraped.</summary>
public static class StorageMetricsExporter
{
    private static readonly Gauge Entries = Metrics.CreateGauge("sawmill_store_entries_appended_total", "Entries appended to the store since start (including WAL replay).");
    private static readonly Gauge Bytes = Metrics.CreateGauge("sawmill_store_bytes_appended_total", "Line bytes appended to the store since start (including WAL replay).");
    private static readonly Gauge Duplicates = Metrics.CreateGauge("sawmill_store_duplicates_dropped_total", "Exact duplicate entries dropped.");
    private static readonly Gauge OutOfOrder = Metrics.CreateGauge("sawmill_store_out_of_order_rejected_total", "Entries rejected as too far behind their stream.");
    private static readonly Gauge WalBytes = Metrics.CreateGauge("sawmill_wal_bytes_written_total", "Bytes written to the write-ahead log since start.");
    private static readonly Gauge WalSyncs = Metrics.CreateGauge("sawmill_wal_fsyncs_total", "Group commits fsynced by the write-ahead log since start.");
    private static readonly Gauge Replayed = Metrics.CreateGauge("sawmill_wal_records_replayed", "WAL records replayed at start-up.");
    private static readonly Gauge Streams = Metrics.CreateGauge("sawmill_ingester_memory_streams", "Streams held in the in-memory head, all tenants.");
    private static readonly Gauge StreamsRemoved = Metrics.CreateGauge("sawmill_ingester_streams_removed_total", "Streams removed from the head after their data was flushed and they stayed idle for chunk_idle_period.");
    private static readonly Gauge ChunksFlushed = Metrics.CreateGauge("sawmill_ingester_chunks_flushed_total", "Chunks written to persisted blocks since start.");
    private static readonly Gauge BlocksWritten = Metrics.CreateGauge("sawmill_store_blocks_written_total", "Blocks written by flushes and compactions since start.");
    private static readonly Gauge Checkpoints = Metrics.CreateGauge("sawmill_wal_checkpoints_total", "WAL checkpoints completed since start.");
    private static readonly Gauge FlushFailures = Metrics.CreateGauge("sawmill_ingester_flush_failures_total", "Flushes that failed (the data stays in memory and in the WAL; the next flush retries).");
    private static readonly Gauge CorruptBlocks = Metrics.CreateGauge("sawmill_store_corrupt_blocks_total", "Block directories found corrupt at open and set aside.");
    private static readonly Gauge DamagedChunks = Metrics.CreateGauge("sawmill_store_damaged_chunks_total", "Distinct chunks found damaged while reading; queries skip them and answer with a warning.");
    private static readonly Gauge QuarantinedChunks = Metrics.CreateGauge("sawmill_store_quarantined_chunks_total", "Damaged chunks compaction moved out of their block into blocks/<tenant>/damaged/.");
    private static readonly Gauge Blocks = Metrics.CreateGauge("sawmill_store_blocks", "Persisted blocks currently open.");
    private static readonly Gauge BlockBytes = Metrics.CreateGauge("sawmill_store_block_bytes", "Bytes of persisted blocks on disk (chunks and index).");
    private static readonly Gauge WalDiskBytes = Metrics.CreateGauge("sawmill_wal_disk_bytes", "Bytes of WAL segments and checkpoints on disk.");
    private static readonly Gauge HeadEntries = Metrics.CreateGauge("sawmill_store_head_entries", "Entries held in memory, not yet flushed to a block on disk.");
    private static readonly Gauge HeadBytes = Metrics.CreateGauge("sawmill_store_head_bytes", "Bytes the in-memory head holds for its entries (open blocks' lines, compressed blocks and cut chunks).");
    private static readonly Gauge BlocksUploaded = Metrics.CreateGauge("sawmill_store_blocks_uploaded_total", "Blocks uploaded to the bucket since start (write nodes).");
    private static readonly Gauge BytesUploaded = Metrics.CreateGauge("sawmill_store_bytes_uploaded_total", "Bytes uploaded to the bucket (chunks, index, meta) since start (write nodes).");
    private static readonly Gauge UploadFailures = Metrics.CreateGauge("sawmill_store_upload_failures_total", "Block uploads that failed and are retried (the block stays on local disk).");
    private static readonly Gauge PendingUpload = Metrics.CreateGauge("sawmill_store_blocks_pending_upload", "Blocks on local disk waiting for their upload.");
    private static readonly Gauge BlocksDropped = Metrics.CreateGauge("sawmill_store_blocks_dropped_total", "Uploaded blocks removed from local disk after the retain period.");

    public static void Update(StorageMetrics m)
    {
        Entries.Set(m.Entries);
        Bytes.Set(m.Bytes);
        Duplicates.Set(m.Duplicates);
        OutOfOrder.Set(m.OutOfOrder);
        WalBytes.Set(m.WalBytes);
        WalSyncs.Set(m.WalSyncs);
        Replayed.Set(m.Replayed);
        Streams.Set(m.Streams);
        StreamsRemoved.Set(m.StreamsEvicted);
        ChunksFlushed.Set(m.ChunksFlushed);
        BlocksWritten.Set(m.BlocksWritten);
        Checkpoints.Set(m.Checkpoints);
        FlushFailures.Set(m.FlushFailures);
        CorruptBlocks.Set(m.CorruptBlocks);
        DamagedChunks.Set(m.DamagedChunks);
        QuarantinedChunks.Set(m.QuarantinedChunks);
        Blocks.Set(m.Blocks);
        BlockBytes.Set(m.BlockBytes);
        WalDiskBytes.Set(m.WalDiskBytes);
        HeadEntries.Set(m.HeadEntries);
        HeadBytes.Set(m.HeadBytes);
        BlocksUploaded.Set(m.BlocksUploaded);
        BytesUploaded.Set(m.BytesUploaded);
        UploadFailures.Set(m.UploadFailures);
        PendingUpload.Set(m.BlocksPendingUpload);
        BlocksDropped.Set(m.BlocksDropped);
    }
}
