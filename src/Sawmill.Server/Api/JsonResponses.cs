using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Sawmill.Core;

namespace Sawmill.Server.Api;

/// <summary>Writes Loki-shaped JSON responses with <see cref="Utf8JsonWriter"/> straight to the response body.</summary>
public static class JsonResponses
{
    public static readonly JsonWriterOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = true };

    public static async Task WriteAsync(HttpResponse response, Action<Utf8JsonWriter> body, CancellationToken ct)
    {
        response.ContentType = "application/json; charset=utf-8";
        await using var writer = new Utf8JsonWriter(response.BodyWriter, Options);
        body(writer);
        await writer.FlushAsync(ct);
    }

    /// <summary>
    /// <c>{"status":"success","data":[…strings…]}</c>, Loki's label response; with no values there is no
    /// <c>data</c> member at all (Loki's field is <c>omitempty</c>).
    /// </summary>
    public static Task WriteStringsAsync(HttpResponse response, IReadOnlyCollection<string> values, CancellationToken ct) =>
        WriteAsync(response, w =>
        {
            w.WriteStartObject();
            w.WriteString("status", "success");
            if (values.Count > 0)
            {
                w.WriteStartArray("data");
                foreach (var v in values)
                    w.WriteStringValue(v);
                w.WriteEndArray();
            }
            w.WriteEndObject();
        }, ct);

    public static void WriteLabels(Utf8JsonWriter w, Labels labels)
    {
        w.WriteStartObject();
        foreach (var l in labels.AsSpan())
            w.WriteString(l.Name, l.Value);
        w.WriteEndObject();
    }

    /// <summary>Prometheus sample time: Unix seconds with millisecond decimals, as a JSON number.</summary>
    public static void WriteSampleTime(Utf8JsonWriter w, long timestampMs)
    {
        w.WriteRawValue((timestampMs / 1000.0).ToString("0.###", CultureInfo.InvariantCulture), skipInputValidation: true);
    }

    /// <summary>One Prometheus sample: <c>[seconds, "value"]</c>.</summary>
    public static void WriteSample(Utf8JsonWriter w, long timestampMs, double value)
    {
        w.WriteStartArray();
        WriteSampleTime(w, timestampMs);
        w.WriteStringValue(FormatValue(value));
        w.WriteEndArray();
    }

    /// <summary>Prometheus sample value as a string (<c>"NaN"</c>, <c>"+Inf"</c>, shortest round-trip form).</summary>
    public static string FormatValue(double v) => v switch
    {
        double.PositiveInfinity => "+Inf",
        double.NegativeInfinity => "-Inf",
        _ when double.IsNaN(v) => "NaN",
        _ => v.ToString("R", CultureInfo.InvariantCulture),
    };
}
