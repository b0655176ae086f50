using System.Collections;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Sawmill.LogQL.Log;
using Sawmill.GoCompat;

namespace Sawmill.Ruler.Templates;

/// <summary>
/// Prometheus's template functions (<c>humanize</c>, <c>humanize1024</c>,
/// <c>humanizeDuration</c>, <c>humanizePercentage</c>, <c>humanizeTimestamp</c>, <c>query</c>, <c>first</c>,
/// <c>label</c>, <c>value</c>, <c>match</c>, <c>reReplaceAll</c>, <c>title</c>, <c>toUpper</c>, …) with Prometheus's
/// output formats. <c>query</c> runs LogQL through the delegate given at construction (the ruler's engine).
/// </summary>
internal sealed class TemplateFunctions(Func<string, IReadOnlyList<TemplateSample>>? query = null, string externalUrl = "")
{
    /// <summary>
    /// The names served here; Go's builtins (<c>printf</c>, <c>eq</c>, <c>len</c>, <c>index</c>, <c>html</c> …) come
    /// from the template engine, as in Prometheus (its alert templates have no sprig or Loki functions).
    /// </summary>
    private static readonly HashSet<string> Names =
    [
        "safeHtml", "toUpper", "toLower", "title", "match", "reReplaceAll", "stripPort", "stripDomain", "humanize",
        "humanize1024", "humanizeDuration", "humanizePercentage", "humanizeTimestamp", "toTime", "parseDuration",
        "toDuration", "externalURL", "pathPrefix", "args", "query", "first", "label", "value", "strvalue",
        "sortByLabel", "graphLink", "tableLink", "now",
    ];

    /// <summary>
    /// The function set alert templates are parsed with. A call runs on the <see cref="TemplateFunctions"/> instance
    /// passed as the execution context (it carries the rule group's query engine and external URL).
    /// </summary>
    public static readonly TemplateFunctionSet Set = TemplateFunctionSet.Builtins.With(
        Names.Select(n => KeyValuePair.Create(n, (TemplateFunction)((context, args) => ((TemplateFunctions)context!).Call(n, args)))));

    /// <summary>Go's <c>%.4g</c>, the precision Prometheus's humanize functions print with.</summary>
    private static string G4(double v) => GoTemplate.Sprintf("%.4g", v);

    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static readonly TemplateFunctions Default = new();

    public object? Call(string name, object?[] a)
    {
        switch (name)
        {
            case "safeHtml": return string.Concat(a.Select(GoTemplate.Print));
            case "toUpper": One(name, a); return Str(name, a[0]).ToUpperInvariant();
            case "toLower": One(name, a); return Str(name, a[0]).ToLowerInvariant();
            case "title": One(name, a); return Title(Str(name, a[0]));
            case "match":
                Two(name, a);
                return Regex.IsMatch(Str(name, a[1]), Re2.Translate(Str(name, a[0])), RegexOptions.None, TimeSpan.FromSeconds(1));
            case "reReplaceAll":
                Three(name, a);
                return Regex.Replace(Str(name, a[2]), Re2.Translate(Str(name, a[0])), m => GoRegexpExpand.Expand(Str(name, a[1]), m), RegexOptions.None, TimeSpan.FromSeconds(1));
            case "stripPort": One(name, a); return StripPort(Str(name, a[0]));
            case "stripDomain":
                One(name, a);
                var host = Str(name, a[0]);
                var port = "";
                var colon = host.LastIndexOf(':');
                if (colon >= 0 && !host.Contains(']', StringComparison.Ordinal) && host.IndexOf(':') == colon)
                {
                    port = host[colon..];
                    host = host[..colon];
                }
                if (System.Net.IPAddress.TryParse(host.Trim('[', ']'), out _))
                    return Str(name, a[0]);
                var dot = host.IndexOf('.');
                return (dot >= 0 ? host[..dot] : host) + port;
            case "humanize": One(name, a); return Humanize(Float(name, a[0]));
            case "humanize1024": One(name, a); return Humanize1024(Float(name, a[0]));
            case "humanizeDuration": One(name, a); return HumanizeDuration(Float(name, a[0]));
            case "humanizePercentage": One(name, a); return G4(Float(name, a[0]) * 100) + "%";
            case "humanizeTimestamp": One(name, a); return HumanizeTimestamp(Float(name, a[0]));
            case "toTime":
                One(name, a);
                var secs = Float(name, a[0]);
                return GoTemplate.Print(HumanizeTimestamp(secs));
            case "parseDuration":
                One(name, a);
                try
                {
                    return GoDuration.Parse(Str(name, a[0])) / 1e9;
                }
                catch (FormatException e)
                {
                    throw new TemplateException("template: error calling parseDuration: " + e.Message);
                }
            case "toDuration": One(name, a); return HumanizeDuration(Float(name, a[0]));
            case "externalURL" or "pathPrefix":
                return name == "externalURL" ? externalUrl : (Uri.TryCreate(externalUrl, UriKind.Absolute, out var u) ? u.AbsolutePath.TrimEnd('/') : "");
            case "args":
                var d = new Dictionary<string, object?>();
                for (var i = 0; i < a.Length; i++)
                    d["arg" + i.ToString(Inv)] = a[i];
                return d;
            case "query":
                One(name, a);
                if (query == null)
                    throw new TemplateException("template: error calling query: queries are not available here");
                return query(Str(name, a[0])).Cast<object?>().ToList();
            case "first":
                One(name, a);
                if (a[0] is IList { Count: > 0 } list)
                    return list[0];
                throw new TemplateException("template: error calling first: first() called on vector with no elements");
            case "label":
                Two(name, a);
                return a[1] is TemplateSample ls ? (ls.Labels.TryGetValue(Str(name, a[0]), out var lv) ? lv : "") : "";
            case "value":
                One(name, a);
                return a[0] is TemplateSample vs ? vs.Value : throw new TemplateException("template: error calling value: not a sample");
            case "strvalue":
                One(name, a);
                return a[0] is TemplateSample ss && ss.Labels.TryGetValue("__value__", out var sv) ? sv : "";
            case "sortByLabel":
                Two(name, a);
                var key = Str(name, a[0]);
                return (a[1] as IEnumerable)?.Cast<object?>().OrderBy(x => x is TemplateSample t && t.Labels.TryGetValue(key, out var s) ? s : "", StringComparer.Ordinal).ToList() ?? [];
            case "graphLink" or "tableLink":
                One(name, a);
                return externalUrl.TrimEnd('/') + "/explore?q=" + Uri.EscapeDataString(Str(name, a[0]));
            case "now":
                return DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0;
        }
        throw new TemplateException($"template: function \"{name}\" not defined");
    }

    private static string StripPort(string hostPort)
    {
        if (hostPort.StartsWith('['))
        {
            var end = hostPort.IndexOf(']');
            return end > 0 ? hostPort[1..end] : hostPort;
        }
        var c = hostPort.LastIndexOf(':');
        return c >= 0 && hostPort.IndexOf(':') == c ? hostPort[..c] : hostPort;
    }

    private static string Title(string s)
    {
        var sb = new StringBuilder(s.Length);
        var prev = ' ';
        foreach (var c in s)
        {
            sb.Append(!char.IsLetterOrDigit(prev) && prev != '_' && prev != '\'' ? char.ToUpperInvariant(c) : c);
            prev = c;
        }
        return sb.ToString();
    }

    public static string Humanize(double v)
    {
        if (v == 0 || double.IsNaN(v) || double.IsInfinity(v))
            return G4(v);
        var prefix = "";
        if (Math.Abs(v) >= 1)
        {
            foreach (var p in new[] { "k", "M", "G", "T", "P", "E", "Z", "Y" })
            {
                if (Math.Abs(v) < 1000)
                    break;
                prefix = p;
                v /= 1000;
            }
            return G4(v) + prefix;
        }
        foreach (var p in new[] { "m", "u", "n", "p", "f", "a", "z", "y" })
        {
            if (Math.Abs(v) >= 1)
                break;
            prefix = p;
            v *= 1000;
        }
        return G4(v) + prefix;
    }

    public static string Humanize1024(double v)
    {
        if (Math.Abs(v) <= 1 || double.IsNaN(v) || double.IsInfinity(v))
            return G4(v);
        var prefix = "";
        foreach (var p in new[] { "ki", "Mi", "Gi", "Ti", "Pi", "Ei", "Zi", "Yi" })
        {
            if (Math.Abs(v) < 1024)
                break;
            prefix = p;
            v /= 1024;
        }
        return G4(v) + prefix;
    }

    public static string HumanizeDuration(double v)
    {
        if (double.IsNaN(v) || double.IsInfinity(v))
            return G4(v);
        if (v == 0)
            return G4(v) + "s";
        if (Math.Abs(v) >= 1)
        {
            var sign = "";
            if (v < 0)
            {
                sign = "-";
                v = -v;
            }
            var duration = (long)v;
            var seconds = duration % 60;
            var minutes = duration / 60 % 60;
            var hours = duration / 60 / 60 % 24;
            var days = duration / 60 / 60 / 24;
            if (days != 0)
                return string.Create(Inv, $"{sign}{days}d {hours}h {minutes}m {seconds}s");
            if (hours != 0)
                return string.Create(Inv, $"{sign}{hours}h {minutes}m {seconds}s");
            if (minutes != 0)
                return string.Create(Inv, $"{sign}{minutes}m {seconds}s");
            return sign + G4(v) + "s";
        }
        var prefix = "";
        foreach (var p in new[] { "m", "u", "n", "p", "f", "a", "z", "y" })
        {
            if (Math.Abs(v) >= 1)
                break;
            prefix = p;
            v *= 1000;
        }
        return G4(v) + prefix + "s";
    }

    /// <summary>Go's <c>time.Time.String()</c> in UTC: <c>2006-01-02 15:04:05.999999999 +0000 UTC</c>.</summary>
    public static string HumanizeTimestamp(double seconds)
    {
        if (double.IsNaN(seconds) || double.IsInfinity(seconds))
            return G4(seconds);
        // Prometheus goes through model.Time: nanoseconds truncated to milliseconds.
        var ms = (long)(seconds * 1e9) / 1_000_000;
        var t = DateTime.UnixEpoch.AddMilliseconds(ms);
        var s = t.ToString("yyyy-MM-dd HH:mm:ss", Inv);
        var frac = (int)(((ms % 1000) + 1000) % 1000);
        if (frac > 0)
            s += "." + frac.ToString("D3", Inv).TrimEnd('0');
        return s + " +0000 UTC";
    }

    private static double Float(string fn, object? v) => v switch
    {
        double d => d,
        long l => l,
        int i => i,
        string s when double.TryParse(s, NumberStyles.Float, Inv, out var d) => d,
        string s when s is "+Inf" or "Inf" => double.PositiveInfinity,
        string s when s == "-Inf" => double.NegativeInfinity,
        string s when s == "NaN" => double.NaN,
        TemplateSample ts => ts.Value,
        _ => throw new TemplateException($"template: error calling {fn}: can't convert {GoTemplate.Print(v)} to float"),
    };

    private static string Str(string fn, object? v) => v switch
    {
        string s => s,
        null => throw new TemplateException($"template: error calling {fn}: invalid value; expected string"),
        _ => GoTemplate.Print(v),
    };

    private static void One(string fn, IReadOnlyList<object?> a) => Count(fn, a, 1);
    private static void Two(string fn, IReadOnlyList<object?> a) => Count(fn, a, 2);
    private static void Three(string fn, IReadOnlyList<object?> a) => Count(fn, a, 3);

    private static void Count(string fn, IReadOnlyList<object?> a, int n)
    {
        if (a.Count != n)
            throw new TemplateException($"template: wrong number of args for {fn}: want {n} got {a.Count}");
    }
}
