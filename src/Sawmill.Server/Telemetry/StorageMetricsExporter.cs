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

    public static void Update(StorageMetrics m)
    {
        Entries.Set(m.Entries);
        Bytes.Set(m.Bytes);
        Duplicates.Set(m.Duplicates);
        OutOfOrder.Set(m.OutOfOrder);
        WalBytes.Set(m.WalBytes);
        WalSyncs.Set(m.WalSyncs);
        Replayed.Set(m.Replayed);
    }
}
