using System.Diagnostics;
using System.Text.Json;
using ChurnApi.Model;
using Sawmill.Logging;

namespace ChurnApi;

/// <summary>
/// <c>POST /predict</c> with the course's log events, in order: <c>Prediction requested</c> (feature_count);
/// <c>Invalid features</c> (ERROR, error_type, error_message → 400); <c>Missing features</c> (WARNING,
/// missing_features) plus one <c>Missing feature</c> (WARNING, feature) per absent input for the course's
/// MissingFeatures alert; <c>Prediction error</c> (ERROR, error_type, error_message → 500);
/// <c>Prediction successful</c> (prediction, confidence, model_version, latency_ms); <c>Low confidence
/// prediction</c> (WARNING, confidence, threshold).
/// </summary>
internal sealed class PredictionHandler(ChurnModel model, FeatureStore store, ChurnApiOptions options, ILoggerFactory loggers)
{
    /// <summary>Logger category of the prediction events.</summary>
    public const string Category = "churn_api";

    private readonly ILogger _log = loggers.CreateLogger(Category);

    public async Task<IResult> HandleAsync(HttpContext context)
    {
        var start = Stopwatch.GetTimestamp();
        Dictionary<string, double> features;
        try
        {
            using var doc = await JsonDocument.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted);
            var raw = FeaturesObject(doc.RootElement);
            _log.Info("Prediction requested", new() { ["feature_count"] = raw.EnumerateObject().Count() });
            features = Validate(raw);
        }
        catch (Exception e) when (e is InvalidFeaturesException or JsonException)
        {
            var message = e is JsonException ? "request body is not valid JSON: " + e.Message : e.Message;
            _log.Error("Invalid features", new()
            {
                ["error_type"] = e.GetType().Name,
                ["error_message"] = message,
            }, e);
            ChurnMetrics.Errors.WithLabels(e.GetType().Name).Inc();
            return Results.Json(new { detail = message, request_id = context.TraceIdentifier }, statusCode: 400);
        }

        var missing = ChurnModel.MissingFeatures(features);
        if (missing.Count > 0)
        {
            _log.Warning("Missing features", new() { ["missing_features"] = missing });
            foreach (var name in missing)
                _log.Warning("Missing feature", new() { ["feature"] = name });
        }

        try
        {
            await store.LookupAsync(context.RequestAborted);
            var p = model.ChurnProbability(features);
            var prediction = p >= 0.5 ? "churn" : "no_churn";
            var confidence = Math.Round(Math.Max(p, 1 - p), 4);
            var latencyMs = Math.Round(Stopwatch.GetElapsedTime(start).TotalMilliseconds, 2);
            _log.Info("Prediction successful", new()
            {
                ["prediction"] = prediction,
                ["confidence"] = confidence,
                ["model_version"] = model.Version,
                ["latency_ms"] = latencyMs,
            });
            if (confidence < options.ConfidenceThreshold)
            {
                _log.Warning("Low confidence prediction", new()
                {
                    ["confidence"] = confidence,
                    ["threshold"] = options.ConfidenceThreshold,
                });
            }
            ChurnMetrics.Confidence.Observe(confidence);
            ChurnMetrics.Predictions.WithLabels(prediction, model.Version).Inc();
            return Results.Json(new
            {
                prediction,
                confidence,
                churn_probability = Math.Round(p, 4),
                model_version = model.Version,
                missing_features = missing,
                request_id = context.TraceIdentifier,
            });
        }
        catch (Exception e) when (e is not OperationCanceledException || !context.RequestAborted.IsCancellationRequested)
        {
            _log.Error("Prediction error", new()
            {
                ["error_type"] = e.GetType().Name,
                ["error_message"] = e.Message,
            }, e);
            ChurnMetrics.Errors.WithLabels(e.GetType().Name).Inc();
            return Results.Json(new { detail = "prediction failed: " + e.Message, request_id = context.TraceIdentifier },
                statusCode: 500);
        }
    }

    private static JsonElement FeaturesObject(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("features", out var f))
            throw new InvalidFeaturesException("body must be a JSON object with a \"features\" object");
        if (f.ValueKind != JsonValueKind.Object)
            throw new InvalidFeaturesException($"\"features\" must be an object, not {f.ValueKind.ToString().ToLowerInvariant()}");
        return f;
    }

    /// <summary>Known features must be finite numbers in their range; unknown names are ignored.</summary>
    private static Dictionary<string, double> Validate(JsonElement raw)
    {
        var result = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var p in raw.EnumerateObject())
        {
            var spec = Array.Find(FeatureSpec.All, s => s.Name == p.Name);
            if (spec == null)
                continue;
            if (p.Value.ValueKind == JsonValueKind.Null)
                continue; // null means "not known", the same as absent
            if (p.Value.ValueKind != JsonValueKind.Number || !p.Value.TryGetDouble(out var v) || !double.IsFinite(v))
                throw new InvalidFeaturesException($"feature \"{p.Name}\" must be a number, got {p.Value.GetRawText()}");
            if (v < spec.Min || v > spec.Max)
                throw new InvalidFeaturesException($"feature \"{p.Name}\" = {v} is outside [{spec.Min}, {spec.Max}] ({spec.Description})");
            result[p.Name] = v;
        }
        return result;
    }
}
