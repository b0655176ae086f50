using System.Collections;
using System.Globalization;
using System.Text;

namespace Sawmill.GoCompat;

/// <summary>
/// Go's view of template values: printing as <c>fmt</c>'s <c>%v</c> does, truthiness, and the lenient conversions
/// sprig applies (<c>toInt64</c>, <c>toFloat64</c>, <c>toString</c>). Values are string, long, double, bool, null,
/// <see cref="DateTimeOffset"/> (Go's time.Time), lists, string-keyed dictionaries and the label map.
/// </summary>
public static class GoValues
{
    public static void Print(StringBuilder sb, object? v) => sb.Append(ToText(v));

    public static string ToText(object? v) => v switch
    {
        null => "<no value>",
        string s => s,
        long l => l.ToString(CultureInfo.InvariantCulture),
        int i => i.ToString(CultureInfo.InvariantCulture),
        double d => FormatFloat(d),
        bool b => b ? "true" : "false",
        DateTimeOffset t => GoTime.Format(t, "2006-01-02 15:04:05.999999999 -0700 MST"),
        ITemplateMap map => MapText(map),
        IDictionary dict => DictText(dict),
        IList list => ListText(list),
        _ => v.ToString() ?? "",
    };

    /// <summary>Like <see cref="ToText"/> but nil is empty (sprig's <c>toString</c> of nil and string conversions).</summary>
    public static string ToStr(object? v) => v == null ? "" : ToText(v);

    private static string MapText(ITemplateMap map)
    {
        var sb = new StringBuilder("map[");
        var first = true;
        foreach (var (k, v) in map.Entries())
        {
            if (!first)
                sb.Append(' ');
            first = false;
            sb.Append(k).Append(':').Append(v);
        }
        return sb.Append(']').ToString();
    }

    private static string DictText(IDictionary dict)
    {
        var keys = new List<string>();
        foreach (var k in dict.Keys)
            keys.Add((string)k);
        keys.Sort(StringComparer.Ordinal);
        var sb = new StringBuilder("map[");
        for (var i = 0; i < keys.Count; i++)
        {
            if (i > 0)
                sb.Append(' ');
            sb.Append(keys[i]).Append(':').Append(dict[keys[i]] == null ? "<nil>" : ToText(dict[keys[i]]));
        }
        return sb.Append(']').ToString();
    }

    private static string ListText(IList list)
    {
        var sb = new StringBuilder("[");
        for (var i = 0; i < list.Count; i++)
        {
            if (i > 0)
                sb.Append(' ');
            sb.Append(list[i] == null ? "<nil>" : ToText(list[i]));
        }
        return sb.Append(']').ToString();
    }

    /// <summary>Go's <c>strconv.FormatFloat(f, 'g', -1, 64)</c>, which <c>%v</c> uses: shortest digits, exponent form when exp &lt; -4 or ≥ 6.</summary>
    public static string FormatFloat(double d) => GoFormat.Float(d, exponentFrom: 6);

    public static bool IsTrue(object? v) => v switch
    {
        null => false,
        bool b => b,
        string s => s.Length > 0,
        long l => l != 0,
        int i => i != 0,
        double d => d != 0,
        ITemplateMap map => map.Count > 0,
        ICollection c => c.Count > 0,
        _ => true,
    };

    public static string TypeName(object? v) => v switch
    {
        null => "<nil>",
        string => "string",
        long => "int",
        int => "int",
        double => "float64",
        bool => "bool",
        DateTimeOffset => "time.Time",
        ITemplateMap => "map[string]string",
        IDictionary => "map[string]interface {}",
        IList => "[]interface {}",
        _ => v.GetType().Name,
    };

    /// <summary>sprig/cast <c>toInt64</c>: numbers truncate, strings parse (base prefixes allowed, "1.0" ok), failures give 0.</summary>
    public static long ToInt64(object? v)
    {
        switch (v)
        {
            case long l:
                return l;
            case int i:
                return i;
            case double d:
                return double.IsNaN(d) ? 0 : (long)d;
            case bool b:
                return b ? 1 : 0;
            case string s:
                s = s.Trim();
                if (s.EndsWith(".0", StringComparison.Ordinal))
                    s = s[..^2];
                if (long.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var r))
                    return r;
                if (s.StartsWith("0x", StringComparison.OrdinalIgnoreCase) && long.TryParse(s[2..], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out r))
                    return r;
                return 0;
            case DateTimeOffset t:
                return t.ToUnixTimeSeconds();
            default:
                return 0;
        }
    }

    /// <summary>sprig/cast <c>toFloat64</c>: strings parse as Go floats, failures give 0.</summary>
    public static double ToFloat64(object? v) => v switch
    {
        long l => l,
        int i => i,
        double d => d,
        bool b => b ? 1 : 0,
        string s => GoFloat.TryParse(s.AsSpan().Trim(), out var f) ? f : 0,
        _ => 0,
    };

    /// <summary>Go's comparison for <c>eq</c>/<c>lt</c>…: numbers compare numerically, strings ordinally, bools by equality.</summary>
    public static int Compare(object? a, object? b, string fn)
    {
        switch (a)
        {
            case string sa when b is string sb:
                return string.CompareOrdinal(sa, sb);
            case long la when b is long lb:
                return la.CompareTo(lb);
            case long or double when b is long or double:
                return ToFloat64(a).CompareTo(ToFloat64(b));
            case bool ba when b is bool bb && fn is "eq" or "ne":
                return ba == bb ? 0 : 1;
            case null when b is null && fn is "eq" or "ne":
                return 0;
            case DateTimeOffset ta when b is DateTimeOffset tb:
                return ta.CompareTo(tb);
        }
        if (fn is "eq" or "ne" && (a is null || b is null))
            return a == b ? 0 : 1;
        throw new TemplateException($"error calling {fn}: incompatible types for comparison");
    }
}
