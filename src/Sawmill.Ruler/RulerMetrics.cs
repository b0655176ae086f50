using Prometheus;

namespace Sawmill.Ruler;

/// <summary>The ruler's metrics, named as Loki exposes Prometheus's rule manager metrics (prefix <c>loki_</c>).</summary>
internal static class RulerMetrics
{
    public static readonly Counter Evaluations = Metrics.CreateCounter(
        "loki_prometheus_rule_evaluations_total", "Rule evaluations, per tenant and group.", "user", "rule_group");

    public static readonly Counter EvaluationFailures = Metrics.CreateCounter(
        "loki_prometheus_rule_evaluation_failures_total", "Rule evaluations that failed, per tenant and group.", "user", "rule_group");

    public static readonly Counter GroupIterationsMissed = Metrics.CreateCounter(
        "loki_prometheus_rule_group_iterations_missed_total", "Group evaluations skipped because the previous one ran too long.", "user", "rule_group");

    public static readonly Counter GroupIterations = Metrics.CreateCounter(
        "loki_prometheus_rule_group_iterations_total", "Group evaluations scheduled (run or missed).", "user", "rule_group");

    public static readonly Gauge GroupLastDuration = Metrics.CreateGauge(
        "loki_prometheus_rule_group_last_duration_seconds", "Duration of the last evaluation of the group.", "user", "rule_group");

    public static readonly Gauge GroupLastEvaluation = Metrics.CreateGauge(
        "loki_prometheus_rule_group_last_evaluation_timestamp_seconds", "Time of the group's last evaluation.", "user", "rule_group");

    public static readonly Gauge GroupRules = Metrics.CreateGauge(
        "loki_prometheus_rule_group_rules", "Rules in the group.", "user", "rule_group");

    public static readonly Summary EvaluationDuration = Metrics.CreateSummary(
        "loki_prometheus_rule_evaluation_duration_seconds", "Duration of single rule evaluations (queries).");

    public static readonly Counter NotificationsSent = Metrics.CreateCounter(
        "loki_prometheus_notifications_sent_total", "Alerts sent, per Alertmanager.", "alertmanager");

    public static readonly Counter NotificationErrors = Metrics.CreateCounter(
        "loki_prometheus_notifications_errors_total", "Alerts whose send failed, per Alertmanager.", "alertmanager");

    public static readonly Counter NotificationsDropped = Metrics.CreateCounter(
        "loki_prometheus_notifications_dropped_total", "Alerts dropped because the queue was full or every send failed.");

    public static readonly Gauge NotificationQueueLength = Metrics.CreateGauge(
        "loki_prometheus_notifications_queue_length", "Alerts waiting to be sent.");

    public static readonly Counter RemoteWriteSamples = Metrics.CreateCounter(
        "loki_ruler_remote_write_samples_total", "Recording-rule samples sent by remote write, per client.", "client");

    public static readonly Counter RemoteWriteFailures = Metrics.CreateCounter(
        "loki_ruler_remote_write_failed_requests_total", "Remote-write requests that failed (will be retried unless 4xx), per client.", "client");

    public static readonly Counter RemoteWriteDropped = Metrics.CreateCounter(
        "loki_ruler_remote_write_samples_dropped_total", "Samples dropped (rejected with 4xx, or queue over its size), per client.", "client");

    public static readonly Gauge RemoteWritePendingBytes = Metrics.CreateGauge(
        "loki_ruler_remote_write_queue_bytes", "Bytes of samples waiting in the on-disk queue, per client.", "client");
}
