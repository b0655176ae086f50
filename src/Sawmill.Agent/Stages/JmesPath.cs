using System.Text;
using System.Text.Json;

namespace Sawmill.Agent.Stages;

/// <summary>
/// The JMESPath subset used in Promtail json-stage expressions: field names, <c>a.b.c</c> paths, quoted names
/// (<c>"a.b"</c>), indexes (<c>items[0]</c>, negative from the end). Anything else is rejected at load time.
/// </summary>
public sealed class JmesPath
{
    private readonly List<object> _steps; // string = field, int = index

    private JmesPath(List<object> steps) => _steps = steps;

    public static JmesPath Compile(string expression)
    {
        var steps = new List<object>();
        var i = 0;
        var s = expression.Trim();
        while (i < s.Length)
        {
            if (s[i] == '.')
            {
                i++;
                continue;
            }
            if (s[i] == '"')
            {
                var j = s.IndexOf('"', i + 1);
                if (j < 0)
                    throw new FormatException($"invalid json expression \"{expression}\": unterminated quoted identifier");
                steps.Add(s[(i + 1)..j]);
                i = j + 1;
                continue;
            }
            if (s[i] == '[')
            {
                var j = s.IndexOf(']', i);
                if (j < 0 || !int.TryParse(s.AsSpan(i + 1, j - i - 1), System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out var idx))
                    throw new FormatException($"invalid json expression \"{expression}\": only numeric indexes are supported");
                steps.Add(idx);
                i = j + 1;
                continue;
            }
            var k = i;
            while (k < s.Length && (char.IsLetterOrDigit(s[k]) || s[k] is '_' or '-' or '$' or '@'))
                k++;
            if (k == i)
                throw new FormatException($"invalid json expression \"{expression}\": unexpected '{s[i]}'");
            steps.Add(s[i..k]);
            i = k;
        }
        if (steps.Count == 0)
            throw new FormatException($"invalid json expression \"{expression}\"");
        return new JmesPath(steps);
    }

    /// <summary>Finds the value; false when a step is missing.</summary>
    public bool TryEvaluate(JsonElement root, out JsonElement result)
    {
        var cur = root;
        foreach (var step in _steps)
        {
            if (step is string name)
            {
                if (cur.ValueKind != JsonValueKind.Object || !cur.TryGetProperty(name, out cur))
                {
                    result = default;
                    return false;
                }
            }
            else
            {
                var idx = (int)step;
                if (cur.ValueKind != JsonValueKind.Array)
                {
                    result = default;
                    return false;
                }
                var len = cur.GetArrayLength();
                if (idx < 0)
                    idx += len;
                if (idx < 0 || idx >= len)
                {
                    result = default;
                    return false;
                }
                cur = cur[idx];
            }
        }
        result = cur;
        return true;
    }

    /// <summary>Promtail's conversion of a JSON value into the extracted map: strings as-is, others as JSON text.</summary>
    public static object? ToExtracted(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.String => e.GetString(),
        JsonValueKind.Null => null,
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.Number => e.TryGetInt64(out var l) ? l : e.GetDouble(),
        _ => Encoding.UTF8.GetString(JsonSerializer.SerializeToUtf8Bytes(e)),
    };
}
