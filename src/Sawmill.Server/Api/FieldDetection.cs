using System.Globalization;
using System.Text.Json;
using Sawmill.Core;
using Sawmill.GoCompat;

namespace Sawmill.Server.Api;

/// <summary>
/// Finds the fields of a log line for <c>detected_fields</c>: JSON objects (nested keys joined with <c>_</c>, as
/// LogQL's <c>| json</c> names them) or logfmt pairs, and guesses each value's type as Loki does
/// (<c>int</c>, <c>float</c>, <c>boolean</c>, <c>duration</c>, <c>bytes</c>, <c>string</c>).
/// </summary>
public static class FieldDetection
{
    public static IEnumerable<(string Name, string Value, string Parser, string[]? JsonPath)> Extract(string line)
    {
        var trimmed = line.AsSpan().TrimStart();
        if (trimmed.Length > 0 && trimmed[0] == '{')
        {
            var result = new List<(string, string, string, string[]?)>();
            try
            {
                using var doc = JsonDocument.Parse(line);
                if (doc.RootElement.ValueKind == JsonValueKind.Object)
                    Flatten(doc.RootElement, "", [], result);
                return result;
            }
            catch (JsonException)
            {
                return [];
            }
        }
        return Logfmt(line);
    }

    private static void Flatten(JsonElement e, string prefix, List<string> path, List<(string, string, string, string[]?)> result)
    {
        foreach (var p in e.EnumerateObject())
        {
            var name = Sanitize(prefix.Length == 0 ? p.Name : prefix + "_" + p.Name);
            path.Add(p.Name);
            switch (p.Value.ValueKind)
            {
                case JsonValueKind.Object:
                    Flatten(p.Value, name, path, result);
                    break;
                case JsonValueKind.Array:
                    break;
                case JsonValueKind.String:
                    result.Add((name, p.Value.GetString()!, "json", path.ToArray()));
                    break;
                case JsonValueKind.Null:
                    break;
                default:
                    result.Add((name, p.Value.GetRawText(), "json", path.ToArray()));
                    break;
            }
            path.RemoveAt(path.Count - 1);
        }
    }

    private static List<(string, string, string, string[]?)> Logfmt(string line)
    {
        var result = new List<(string, string, string, string[]?)>();
        var i = 0;
        while (i < line.Length)
        {
            while (i < line.Length && line[i] == ' ')
                i++;
            var keyStart = i;
            while (i < line.Length && line[i] is not ('=' or ' '))
                i++;
            if (i >= line.Length || line[i] != '=' || i == keyStart)
            {
                while (i < line.Length && line[i] != ' ')
                    i++;
                continue;
            }
            var key = line[keyStart..i];
            i++;
            string value;
            if (i < line.Length && line[i] == '"')
            {
                var sb = new System.Text.StringBuilder();
                i++;
                while (i < line.Length && line[i] != '"')
                {
                    if (line[i] == '\\' && i + 1 < line.Length)
                        i++;
                    sb.Append(line[i++]);
                }
                i++;
                value = sb.ToString();
            }
            else
            {
                var valueStart = i;
                while (i < line.Length && line[i] != ' ')
                    i++;
                value = line[valueStart..i];
            }
            result.Add((Sanitize(key), value, "logfmt", null));
        }
        return result;
    }

    /// <summary>Label names as LogQL's parsers make them: invalid characters become <c>_</c>.</summary>
    public static string Sanitize(string name)
    {
        var chars = name.ToCharArray();
        for (var i = 0; i < chars.Length; i++)
            if (!(char.IsAsciiLetterOrDigit(chars[i]) || chars[i] == '_') || (i == 0 && char.IsAsciiDigit(chars[i])))
                chars[i] = '_';
        return new string(chars);
    }

    public static string TypeOf(string value)
    {
        if (long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _))
            return "int";
        if (double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out _))
            return "float";
        if (value is "true" or "false")
            return "boolean";
        if (value.Length > 1 && char.IsAsciiDigit(value[0]) && GoDuration.TryParse(value, out _))
            return "duration";
        if (value.Length > 1 && char.IsAsciiDigit(value[0]) && char.IsAsciiLetter(value[^1]) && ByteSize.TryParse(value, out _))
            return "bytes";
        return "string";
    }

    /// <summary>The type covering both: int widens to float; anything else that disagrees is a string.</summary>
    public static string Widen(string? current, string next) => current switch
    {
        null => next,
        _ when current == next => current,
        "int" when next == "float" => "float",
        "float" when next == "int" => "float",
        _ => "string",
    };
}
