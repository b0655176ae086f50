using System.Collections;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Sawmill.Logging.Formatting;

/// <summary>
/// Writes a log property value keeping its JSON type: numbers stay numbers, booleans booleans, dictionaries
/// become objects and sequences arrays (so <c>| json</c> and <c>| unwrap</c> in LogQL see real values).
/// Non-finite floating-point values and unknown types are written as strings; nesting deeper than the
/// layout's limit is written with <see cref="object.ToString"/>.
/// </summary>
internal static class JsonValueWriter
{
    public static void Write(Utf8JsonWriter w, object? value, int depthLeft)
    {
        switch (value)
        {
            case null:
                w.WriteNullValue();
                return;
            case string s:
                w.WriteStringValue(s);
                return;
            case bool b:
                w.WriteBooleanValue(b);
                return;
            case int i:
                w.WriteNumberValue(i);
                return;
            case long l:
                w.WriteNumberValue(l);
                return;
            case double d:
                if (double.IsFinite(d))
                    w.WriteNumberValue(d);
                else
                    w.WriteStringValue(d.ToString(CultureInfo.InvariantCulture));
                return;
            case float f:
                if (float.IsFinite(f))
                    w.WriteNumberValue(f);
                else
                    w.WriteStringValue(f.ToString(CultureInfo.InvariantCulture));
                return;
            case decimal m:
                w.WriteNumberValue(m);
                return;
            case short sh:
                w.WriteNumberValue(sh);
                return;
            case byte by:
                w.WriteNumberValue(by);
                return;
            case sbyte sb:
                w.WriteNumberValue(sb);
                return;
            case ushort us:
                w.WriteNumberValue(us);
                return;
            case uint ui:
                w.WriteNumberValue(ui);
                return;
            case ulong ul:
                w.WriteNumberValue(ul);
                return;
            case DateTime dt:
                w.WriteStringValue(dt);
                return;
            case DateTimeOffset dto:
                w.WriteStringValue(dto);
                return;
            case Guid g:
                w.WriteStringValue(g);
                return;
            case TimeSpan ts:
                w.WriteStringValue(ts.ToString("c", CultureInfo.InvariantCulture));
                return;
            case Enum e:
                w.WriteStringValue(e.ToString());
                return;
            case JsonElement je:
                je.WriteTo(w);
                return;
            case JsonNode jn:
                jn.WriteTo(w);
                return;
            case char c:
                Span<char> one = [c];
                w.WriteStringValue(one);
                return;
        }
        if (depthLeft <= 0)
        {
            w.WriteStringValue(SafeToString(value));
            return;
        }
        switch (value)
        {
            case IEnumerable<KeyValuePair<string, object?>> pairs:
                w.WriteStartObject();
                foreach (var (k, v) in pairs)
                {
                    w.WritePropertyName(k);
                    Write(w, v, depthLeft - 1);
                }
                w.WriteEndObject();
                return;
            case IDictionary dict:
                w.WriteStartObject();
                foreach (DictionaryEntry entry in dict)
                {
                    w.WritePropertyName(Convert.ToString(entry.Key, CultureInfo.InvariantCulture) ?? "");
                    Write(w, entry.Value, depthLeft - 1);
                }
                w.WriteEndObject();
                return;
            case IEnumerable seq:
                w.WriteStartArray();
                foreach (var item in seq)
                    Write(w, item, depthLeft - 1);
                w.WriteEndArray();
                return;
            case IFormattable fmt:
                w.WriteStringValue(fmt.ToString(null, CultureInfo.InvariantCulture));
                return;
            default:
                w.WriteStringValue(SafeToString(value));
                return;
        }
    }

    private static string SafeToString(object value)
    {
        try
        {
            return value.ToString() ?? "";
        }
#pragma warning disable CA1031 // a value's broken ToString must not lose the whole log event
        catch (Exception e)
#pragma warning restore CA1031
        {
            return $"<{value.GetType().Name}.ToString() threw {e.GetType().Name}>";
        }
    }
}
