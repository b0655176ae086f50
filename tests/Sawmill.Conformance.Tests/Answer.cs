using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Sawmill.Conformance;

/// <summary>
/// A server's answer to one case, normalised for comparison. Normalised, and nothing else:
/// <list type="bullet">
/// <item><c>data.stats</c> of query answers is removed: execution statistics (timings, bytes and lines scanned, chunk
/// and cache counters) describe how a server stored and read the data, not the answer.</item>
/// <item>Text bodies are compared without trailing newlines: whether an error ends with one depends on how a Loki
/// version writes it (Go's http.Error adds one, 2.9 sometimes twice; 3.x's query errors have none), not on the answer.</item>
/// <item>The Content-Type is reduced to its media type (<c>application/json; charset=UTF-8</c> and
/// <c>application/json</c> are the same to every client).</item>
/// <item>JSON bodies are compared as JSON: object members in any order, arrays in order, numbers by their text.</item>
/// <item>The series named in Loki's "pipeline error: 'X' for series: '{…}'" is replaced by a placeholder: Loki names
/// the first failing series its evaluation meets, which varies from run to run.</item>
/// <item>The series list of <c>/series</c> is compared as a set: Loki returns it in hash-map order.</item>
/// <item>The parts of a push error made of several distinct errors ("N errors like: …; M errors like: …") are compared
/// as a set: Loki's GroupedErrors joins them in Go map order, which varies from run to run.</item>
/// <item>Sample values of matrices and vectors are compared to 12 significant digits: Loki adds up a group's series in
/// hash-map order, so the last bits of a sum, mean or deviation vary from run to run.</item>
/// <item>Only where the recorder saw Loki itself answer differently from run to run (golden.jsonl): "unordered"
/// compares <c>data.result</c> as a set; otherwise every distinct answer Loki gave is kept ("alternatives", e.g.
/// which of equal values topk keeps) and matching any of them counts.</item>
/// </list>
/// </summary>
public sealed partial record Answer(int Status, string MediaType, JsonNode? Json, string? Text, IReadOnlyList<string>? Flags = null,
    IReadOnlyList<Answer>? Alternatives = null)
{
    public static Answer FromResponse(int status, string? contentType, byte[] body, string path)
    {
        var media = (contentType ?? "").Split(';')[0].Trim().ToLowerInvariant();
        if (media == "application/json" && body.Length > 0)
        {
            try
            {
                var node = JsonNode.Parse(body);
                if (node is JsonObject o && o["data"] is JsonObject data)
                    data.Remove("stats");
                if (path.EndsWith("/series", StringComparison.Ordinal) && node is JsonObject so && so["data"] is JsonArray series)
                    so["data"] = Sorted(series);
                return new Answer(status, media, node, null);
            }
            catch (JsonException)
            {
                // Declared JSON but is not: compare the text.
            }
        }
        var text = PipelineErrorSeries().Replace(Encoding.UTF8.GetString(body), "for series: '<series>'.\nUse a label filter");
        return new Answer(status, media, null, text);
    }

    public static Answer FromGolden(JsonObject o) => new(
        o["status"]!.GetValue<int>(),
        o["type"]!.GetValue<string>(),
        o["json"]?.DeepClone(),
        o["text"]?.GetValue<string>(),
        o["compare"]?.AsArray().Select(f => f!.GetValue<string>()).ToList(),
        o["alternatives"]?.AsArray().Select(a => FromGolden(a!.AsObject())).ToList());

    /// <summary>Whether this answer equals <paramref name="expected"/> (or one of its alternatives) under its flags.</summary>
    public bool Matches(Answer expected) =>
        Matches(expected, expected.Flags) || (expected.Alternatives?.Any(a => Matches(a, expected.Flags)) ?? false);

    public bool Matches(Answer expected, IReadOnlyList<string>? flags)
    {
        var (shapeA, valuesA) = Shape(flags ?? []);
        var (shapeB, valuesB) = expected.Shape(flags ?? []);
        return shapeA == shapeB && valuesA.Count == valuesB.Count && valuesA.Zip(valuesB).All(p => Close(p.First, p.Second));
    }

    /// <summary>
    /// The answer with its sample values taken out (returned separately, in order) and replaced by "~"; with
    /// "unordered", data.result sorted.
    /// </summary>
    private (string Key, List<double> Values) Shape(IReadOnlyList<string> flags)
    {
        var values = new List<double>();
        if (Json is not JsonObject { } root || root["data"] is not JsonObject data || data["result"] is not JsonArray result)
            return (Key, values);
        var copy = (JsonArray)result.DeepClone();
        const bool floats = true;
        if (flags.Contains("unordered"))
        {
            copy = new JsonArray(copy.Select(i => (Text: Canonical(floats ? Blank(i!.DeepClone()) : i), Node: i))
                .OrderBy(p => p.Text, StringComparer.Ordinal).Select(p => p.Node!.DeepClone()).ToArray());
        }
        {
            foreach (var item in copy.OfType<JsonObject>())
            {
                if (item["value"] is JsonArray v)
                    TakeSample(v, values);
                if (item["values"] is JsonArray vs)
                    foreach (var sample in vs.OfType<JsonArray>())
                        TakeSample(sample, values);
            }
        }
        var rootCopy = (JsonObject)root.DeepClone();
        ((JsonObject)rootCopy["data"]!)["result"] = copy;
        return ($"{Status} {MediaType} " + Canonical(rootCopy), values);
    }

    private static JsonNode Blank(JsonNode item)
    {
        var sink = new List<double>();
        if (item is JsonObject o)
        {
            if (o["value"] is JsonArray v)
                TakeSample(v, sink);
            if (o["values"] is JsonArray vs)
                foreach (var sample in vs.OfType<JsonArray>())
                    TakeSample(sample, sink);
        }
        return item;
    }

    private static void TakeSample(JsonArray sample, List<double> values)
    {
        if (sample.Count == 2 && sample[1] is JsonValue v && v.TryGetValue<string>(out var s) &&
            double.TryParse(s, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var d))
        {
            values.Add(d);
            sample[1] = "~";
        }
    }

    /// <summary>Equal to 12 significant digits (Loki's own run-to-run noise is ~1e-16 relative).</summary>
    private static bool Close(double a, double b) =>
        a.Equals(b) || Math.Abs(a - b) <= 1e-12 * Math.Max(Math.Abs(a), Math.Abs(b));

    private static JsonArray Sorted(JsonArray items) =>
        new(items.Select(i => (Text: Canonical(i), Node: i)).OrderBy(p => p.Text, StringComparer.Ordinal)
            .Select(p => JsonNode.Parse(p.Text)).ToArray());

    [GeneratedRegex(@"for series: '.*'\.\nUse a label filter", RegexOptions.Singleline)]
    private static partial Regex PipelineErrorSeries();

    /// <summary>One golden.jsonl line (members in a fixed order, JSON canonical).</summary>
    public string ToGoldenLine(string? id, IReadOnlyList<string>? flags = null, IReadOnlyList<Answer>? alternatives = null)
    {
        var sb = new StringBuilder("{");
        if (id != null)
            sb.Append("\"id\":").Append(JsonSerializer.Serialize(id)).Append(',');
        if (flags is { Count: > 0 })
            sb.Append("\"compare\":").Append(JsonSerializer.Serialize(flags)).Append(',');
        if (alternatives is { Count: > 0 })
            sb.Append("\"alternatives\":[").Append(string.Join(',', alternatives.Select(a => a.ToGoldenLine(null)))).Append("],");
        sb
          .Append("\"status\":").Append(Status)
          .Append(",\"type\":").Append(JsonSerializer.Serialize(MediaType, Options));
        if (Json != null)
            sb.Append(",\"json\":").Append(Canonical(Json));
        else
            sb.Append(",\"text\":").Append(JsonSerializer.Serialize(Text ?? "", Options));
        return sb.Append('}').ToString();
    }

    /// <summary>The comparison key: status, media type and canonical body.</summary>
    public string Key => $"{Status} {MediaType} " + (Json != null ? Canonical(Json) : "text:" + GroupedErrorsAsSet(Text?.TrimEnd('\n')));

    private static string? GroupedErrorsAsSet(string? text) =>
        text != null && GroupedErrorStart().IsMatch(text)
            ? string.Join("; ", GroupedErrorSeparator().Split(text).Order(StringComparer.Ordinal))
            : text;

    [GeneratedRegex(@"^\d+ errors like: ")]
    private static partial Regex GroupedErrorStart();

    [GeneratedRegex(@"; (?=\d+ errors like: )")]
    private static partial Regex GroupedErrorSeparator();

    /// <summary>A short human-readable description of the answer for failure messages.</summary>
    public string Describe(int max = 600)
    {
        var s = $"{Status} {MediaType} " + (Json != null ? Canonical(Json) : JsonSerializer.Serialize(Text ?? "", Options));
        return s.Length <= max ? s : s[..max] + $"… ({s.Length} chars)";
    }

    private static readonly JsonSerializerOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>JSON text with object members sorted by name and numbers kept as written.</summary>
    public static string Canonical(JsonNode? node)
    {
        var sb = new StringBuilder();
        Write(node, sb);
        return sb.ToString();
    }

    private static void Write(JsonNode? node, StringBuilder sb)
    {
        switch (node)
        {
            case null:
                sb.Append("null");
                break;
            case JsonObject o:
                sb.Append('{');
                var first = true;
                foreach (var (k, v) in o.OrderBy(p => p.Key, StringComparer.Ordinal))
                {
                    if (!first)
                        sb.Append(',');
                    first = false;
                    sb.Append(JsonSerializer.Serialize(k, Options)).Append(':');
                    Write(v, sb);
                }
                sb.Append('}');
                break;
            case JsonArray a:
                sb.Append('[');
                for (var i = 0; i < a.Count; i++)
                {
                    if (i > 0)
                        sb.Append(',');
                    Write(a[i], sb);
                }
                sb.Append(']');
                break;
            case JsonValue v when v.TryGetValue<JsonElement>(out var e):
                sb.Append(e.ValueKind == JsonValueKind.String ? JsonSerializer.Serialize(e.GetString(), Options) : e.GetRawText());
                break;
            case JsonValue v when v.TryGetValue<string>(out var str):
                sb.Append(JsonSerializer.Serialize(str, Options));
                break;
            default:
                sb.Append(node.ToJsonString(Options));
                break;
        }
    }
}
