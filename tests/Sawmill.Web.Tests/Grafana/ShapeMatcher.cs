using System.Text.Json;

namespace Sawmill.Web.Tests.Grafana;

/// <summary>Matches a JSON value against a golden shape (the language is described in golden/README.md).</summary>
internal static class ShapeMatcher
{
    public static void Match(JsonElement shape, JsonElement actual, string path, List<string> problems)
    {
        switch (shape.ValueKind)
        {
            case JsonValueKind.String when shape.GetString()!.StartsWith('$'):
                MatchType(shape.GetString()!, actual, path, problems);
                return;
            case JsonValueKind.Object when shape.TryGetProperty("$each", out var each):
            {
                if (actual.ValueKind != JsonValueKind.Array)
                {
                    problems.Add($"{path}: expected an array, got {actual.ValueKind}");
                    return;
                }
                var min = shape.TryGetProperty("$min", out var m) ? m.GetInt32() : 0;
                if (actual.GetArrayLength() < min)
                    problems.Add($"{path}: expected at least {min} elements, got {actual.GetArrayLength()}");
                var i = 0;
                foreach (var e in actual.EnumerateArray())
                    Match(each, e, $"{path}[{i++}]", problems);
                return;
            }
            case JsonValueKind.Object when shape.TryGetProperty("$values", out var values):
            {
                if (actual.ValueKind != JsonValueKind.Object)
                {
                    problems.Add($"{path}: expected an object, got {actual.ValueKind}");
                    return;
                }
                foreach (var p in actual.EnumerateObject())
                    Match(values, p.Value, $"{path}.{p.Name}", problems);
                return;
            }
            case JsonValueKind.Object:
                if (actual.ValueKind != JsonValueKind.Object)
                {
                    problems.Add($"{path}: expected an object, got {actual.ValueKind}");
                    return;
                }
                foreach (var p in shape.EnumerateObject())
                {
                    if (!actual.TryGetProperty(p.Name, out var v))
                        problems.Add($"{path}: missing key \"{p.Name}\"");
                    else
                        Match(p.Value, v, $"{path}.{p.Name}", problems);
                }
                return;
            case JsonValueKind.Array:
            {
                if (actual.ValueKind != JsonValueKind.Array || actual.GetArrayLength() != shape.GetArrayLength())
                {
                    problems.Add($"{path}: expected an array of {shape.GetArrayLength()}, got {actual.GetRawText()}");
                    return;
                }
                for (var i = 0; i < shape.GetArrayLength(); i++)
                    Match(shape[i], actual[i], $"{path}[{i}]", problems);
                return;
            }
            default:
                if (!JsonElement.DeepEquals(shape, actual))
                    problems.Add($"{path}: expected {shape.GetRawText()}, got {actual.GetRawText()}");
                return;
        }
    }

    private static void MatchType(string type, JsonElement actual, string path, List<string> problems)
    {
        var ok = type switch
        {
            "$any" => true,
            "$string" => actual.ValueKind == JsonValueKind.String,
            "$number" => actual.ValueKind == JsonValueKind.Number,
            "$bool" => actual.ValueKind is JsonValueKind.True or JsonValueKind.False,
            "$ns" => actual.ValueKind == JsonValueKind.String && actual.GetString()!.Length >= 10 && actual.GetString()!.All(char.IsAsciiDigit),
            "$numstr" => actual.ValueKind == JsonValueKind.String && double.TryParse(actual.GetString(), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out _),
            _ => throw new InvalidOperationException($"unknown shape type {type}"),
        };
        if (!ok)
            problems.Add($"{path}: expected {type}, got {actual.GetRawText()}");
    }
}
