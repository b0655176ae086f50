using Prometheus;

namespace ChurnApi;

/// <summary>The API's Prometheus metrics (served at <c>/metrics</c>), named as the course's dashboards query them.</summary>
internal static class ChurnMetrics
{
    public static readonly Counter Requests = Metrics.CreateCounter("churn_api_requests_total",
        "HTTP requests by status code", new CounterConfiguration { LabelNames = ["status"] });

    public static readonly Histogram Latency = Metrics.CreateHistogram("churn_api_request_latency_seconds",
        "HTTP request latency", new HistogramConfiguration
        {
            LabelNames = ["path"],
            Buckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
        });

    public static readonly Histogram Confidence = Metrics.CreateHistogram("churn_api_prediction_confidence",
        "Confidence of successful predictions", new HistogramConfiguration
        {
            Buckets = [0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 1],
        });

    public static readonly Counter Predictions = Metrics.CreateCounter("churn_api_predictions_total",
        "Successful predictions by outcome", new CounterConfiguration { LabelNames = ["prediction", "model_version"] });

    public static readonly Counter Errors = Metrics.CreateCounter("churn_api_errors_total",
        "Failed predictions by error type", new CounterConfiguration { LabelNames = ["error_type"] });
}
