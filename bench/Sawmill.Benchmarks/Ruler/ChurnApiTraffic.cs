using System.Globalization;
using System.Text;
using Sawmill.Core;

namespace Sawmill.Benchmarks.Ruler;

/// <summary>
/// Five minutes of the churn API's logs as the demo produces them, seeded: 40 requests/s, each logging
/// <c>Request started</c>, <c>Prediction requested</c>, then <c>Prediction successful</c> (plus <c>Low confidence
/// prediction</c> below 0.7), or <c>Missing features</c> + one <c>Missing feature</c> per absent input, or
/// <c>Invalid features</c> / <c>Prediction error</c> (database connection timeouts) at ERROR, and <c>Request
/// completed</c>; in streams <c>{app="churn-api", env="demo", level=…}</c> as the push provider labels them.
/// The mix is tuned so every course rule has a non-empty result (about 12 errors/s, 6 low-confidence/s, 1.6
/// missing tenure/s). ~60k lines, ~13 MB.
/// </summary>
internal static class ChurnApiTraffic
{
    public static readonly string[] Features = ["tenure_months", "monthly_charges", "total_charges", "contract_type", "support_calls"];

    public static List<PushStream> Generate(long endNs, int seconds = 300, int requestsPerSecond = 40, int seed = 7)
    {
        var rng = new Random(seed);
        var byLevel = new Dictionary<string, List<PushEntry>> { ["INFO"] = [], ["WARNING"] = [], ["ERROR"] = [] };
        var startNs = endNs - seconds * 1_000_000_000L;
        var step = 1_000_000_000L / requestsPerSecond;
        var n = 0;
        for (var ts = startNs; ts < endNs; ts += step)
        {
            var id = "gen-" + (n++).ToString(CultureInfo.InvariantCulture);
            var t = ts;
            void Log(string level, string message, string fields)
            {
                var time = DateTime.UnixEpoch.AddTicks(t / 100).ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
                var line = $"{{\"timestamp\":\"{time}\",\"level\":\"{level}\",\"logger\":\"ChurnApi.PredictionHandler\",\"message\":\"{message}\",\"request_id\":\"{id}\"{fields}}}";
                byLevel[level].Add(new PushEntry(t++, Encoding.UTF8.GetBytes(line)));
            }
            Log("INFO", "Request started", ",\"method\":\"POST\",\"path\":\"/predict\"");
            Log("INFO", "Prediction requested", $",\"feature_count\":{Features.Length}");
            var roll = rng.NextDouble();
            var status = 200;
            if (roll < 0.25)
            {
                Log("ERROR", "Invalid features", ",\"error_type\":\"ValueError\",\"error_message\":\"tenure_months must be a non-negative number\"");
                status = 400;
            }
            else if (roll < 0.30)
            {
                Log("ERROR", "Prediction error", ",\"error_type\":\"TimeoutException\",\"error_message\":\"database connection timed out after 812 ms while loading customer history\"");
                status = 500;
            }
            else
            {
                if (roll < 0.36)
                {
                    Log("WARNING", "Missing features", ",\"missing_features\":[\"tenure_months\"]");
                    Log("WARNING", "Missing feature", ",\"feature\":\"tenure_months\"");
                }
                var confidence = Math.Round(0.5 + rng.NextDouble() * 0.5, 4);
                Log("INFO", "Prediction successful", $",\"prediction\":\"{(rng.Next(2) == 0 ? "churn" : "no_churn")}\",\"confidence\":{confidence.ToString(CultureInfo.InvariantCulture)},\"model_version\":\"v1.2.3\",\"latency_ms\":{(rng.NextDouble() * 20).ToString("F2", CultureInfo.InvariantCulture)}");
                if (confidence < 0.7)
                    Log("WARNING", "Low confidence prediction", $",\"confidence\":{confidence.ToString(CultureInfo.InvariantCulture)},\"threshold\":0.7");
            }
            Log("INFO", "Request completed", $",\"method\":\"POST\",\"path\":\"/predict\",\"status_code\":{status},\"latency_ms\":{(rng.NextDouble() * 30).ToString("F2", CultureInfo.InvariantCulture)}");
        }
        return byLevel.Select(p => new PushStream(Labels.From(("app", "churn-api"), ("env", "demo"), ("level", p.Key)), p.Value)).ToList();
    }
}
