using Prometheus;

namespace Sawmill.Server.Telemetry;

/// <summary>The server's Prometheus metrics, named as Loki names the same things so existing dashboards work.</summary>
public static class ServerMetrics
{
    public static readonly Counter LinesReceived = Metrics.CreateCounter(
        "loki_distributor_lines_received_total", "Log lines received by the distributor, per tenant.", "tenant");

    public static readonly Counter BytesReceived = Metrics.CreateCounter(
        "loki_distributor_bytes_received_total", "Log line bytes received by the distributor, per tenant.", "tenant");

    public static readonly Counter DiscardedSamples = Metrics.CreateCounter(
        "loki_discarded_samples_total", "Log entries discarded, per tenant and reason.", "tenant", "reason");

    public static readonly Counter DiscardedBytes = Metrics.CreateCounter(
        "loki_discarded_bytes_total", "Log line bytes discarded, per tenant and reason.", "tenant", "reason");

    public static readonly Histogram RequestDuration = Metrics.CreateHistogram(
        "loki_request_duration_seconds", "Time to serve HTTP requests, per route, method and status.",
        new HistogramConfiguration
        {
            LabelNames = ["method", "route", "status_code"],
            Buckets = Histogram.ExponentialBuckets(0.0005, 2, 16),
        });

    public static readonly Counter QueriesTotal = Metrics.CreateCounter(
        "sawmill_queries_total", "Queries run, per tenant, type (log or metric) and outcome.", "tenant", "type", "outcome");

    public static readonly Counter QueryBytesProcessed = Metrics.CreateCounter(
        "sawmill_query_bytes_processed_total", "Log line bytes scanned by queries, per tenant.", "tenant");

    public static readonly Gauge RuntimeConfigReloadSuccessful = Metrics.CreateGauge(
        "loki_runtime_config_last_reload_successful", "Whether the last runtime config (per-tenant overrides) reload succeeded.");

    public static readonly Gauge ActiveTails = Metrics.CreateGauge(
        "loki_querier_tail_active", "Number of live tail websockets open.");
}
