namespace Sawmill.Server.Ruler;

/// <summary>
/// The "Log-Based Alerts" rules of the course users learn from, verbatim: what <c>sawmill demo</c> loads and the ruler
/// benchmarks evaluate. (The ruler tests keep their own copy, so that a change here cannot change what they check.)
/// </summary>
public static class CourseRules
{
    public const string Yaml = """
        groups:
          - name: log_alerts
            interval: 1m
            rules:
              # Alert on error rate from logs
              - alert: HighErrorRate
                expr: |
                  sum(rate({app="churn-api", level="ERROR"}[5m])) > 10
                for: 2m
                labels:
                  severity: warning
                annotations:
                  summary: "High error rate detected"
                  description: "{{ $value }} errors/sec in churn-api"

              # Alert on specific error message
              - alert: DatabaseConnectionError
                expr: |
                  sum(count_over_time({app="churn-api"} |= "database connection"[5m])) > 0
                for: 1m
                labels:
                  severity: critical
                annotations:
                  summary: "Database connection errors"
                  description: "Database connection failures detected"

              # Alert on low confidence predictions
              - alert: LowConfidencePredictions
                expr: |
                  sum(rate({app="churn-api"} | json | confidence < 0.6[5m])) > 5
                for: 5m
                labels:
                  severity: warning
                annotations:
                  summary: "High rate of low-confidence predictions"
                  description: "{{ $value }} predictions/sec with confidence < 0.6"

              # Alert on missing features
              - alert: MissingFeatures
                expr: |
                  sum by(feature) (
                    rate({app="churn-api"} | json | message="Missing feature"[5m])
                  ) > 1
                for: 2m
                labels:
                  severity: warning
                annotations:
                  summary: "Missing features detected"
                  description: "Feature {{ $labels.feature }} missing in requests"
        """;
}
