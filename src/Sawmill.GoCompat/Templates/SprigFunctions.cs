using System.Globalization;
using System.Text;
using System.Text.Json;
using static Sawmill.GoCompat.TemplateArgs;

namespace Sawmill.GoCompat;

/// <summary>
/// Template functions that Loki's <c>line_format</c>/<c>label_format</c> and Promtail's <c>template</c> stage share:
/// <see cref="GoStrings"/>, Go's <c>strings</c> package as both name it (<c>ToLower</c>, <c>Replace</c>,
/// <c>TrimPrefix</c> …, <c>regexReplaceAll</c>, <c>regexReplaceAllLiteral</c>; arguments in Go's order), and
/// <see cref="Sprig"/>, the part of the sprig library they expose (strings with the subject last, math, dates,
/// <c>default</c>, <c>fromJson</c>).
/// </summary>
public static class SprigFunctions
{
    public static readonly IReadOnlyDictionary<string, TemplateFunction> GoStrings = new Dictionary<string, TemplateFunction>(StringComparer.Ordinal)
    {
            ["ToLower"] = Str1("ToLower", s => s.ToLowerInvariant()),
            ["ToUpper"] = Str1("ToUpper", s => s.ToUpperInvariant()),
            ["Replace"] = (_, a) =>
            {
                Arity(a, 4, "Replace");
                return SprigFunctions.GoReplace(S(a[0]), S(a[1]), S(a[2]), (int)I(a[3]));
            },
            ["Trim"] = Str2("Trim", (s, cut) => s.Trim(cut.ToCharArray())),
            ["TrimLeft"] = Str2("TrimLeft", (s, cut) => s.TrimStart(cut.ToCharArray())),
            ["TrimRight"] = Str2("TrimRight", (s, cut) => s.TrimEnd(cut.ToCharArray())),
            ["TrimPrefix"] = Str2("TrimPrefix", (s, p) => p.Length > 0 && s.StartsWith(p, StringComparison.Ordinal) ? s[p.Length..] : s),
            ["TrimSuffix"] = Str2("TrimSuffix", (s, p) => p.Length > 0 && s.EndsWith(p, StringComparison.Ordinal) ? s[..^p.Length] : s),
            ["TrimSpace"] = Str1("TrimSpace", s => s.Trim()),
            ["regexReplaceAll"] = Str3("regexReplaceAll", (re, s, repl) => Re2.Compile(re, false).Replace(s, m => GoRegexpExpand.Expand(repl, m))),
            ["regexReplaceAllLiteral"] = Str3("regexReplaceAllLiteral", (re, s, repl) => Re2.Compile(re, false).Replace(s, repl.Replace("$", "$$", StringComparison.Ordinal))),
    };

    public static readonly IReadOnlyDictionary<string, TemplateFunction> Sprig = new Dictionary<string, TemplateFunction>(StringComparer.Ordinal)
    {
            ["lower"] = Str1("lower", s => s.ToLowerInvariant()),
            ["upper"] = Str1("upper", s => s.ToUpperInvariant()),
            ["title"] = Str1("title", Title),
            ["trim"] = Str1("trim", s => s.Trim()),
            ["trimAll"] = Str2("trimAll", (cut, s) => s.Trim(cut.ToCharArray())),
            ["trimPrefix"] = Str2("trimPrefix", (p, s) => p.Length > 0 && s.StartsWith(p, StringComparison.Ordinal) ? s[p.Length..] : s),
            ["trimSuffix"] = Str2("trimSuffix", (p, s) => p.Length > 0 && s.EndsWith(p, StringComparison.Ordinal) ? s[..^p.Length] : s),
            ["contains"] = Str2("contains", (sub, s) => s.Contains(sub, StringComparison.Ordinal)),
            ["hasPrefix"] = Str2("hasPrefix", (p, s) => s.StartsWith(p, StringComparison.Ordinal)),
            ["hasSuffix"] = Str2("hasSuffix", (p, s) => s.EndsWith(p, StringComparison.Ordinal)),
            ["replace"] = Str3("replace", (old, @new, s) => SprigFunctions.GoReplace(s, old, @new, -1)),
            ["repeat"] = (_, a) =>
            {
                Arity(a, 2, "repeat");
                var n = I(a[0]);
                if (n < 0)
                    throw new TemplateException("error calling repeat: strings: negative Repeat count");
                var s = S(a[1]);
                if (n * s.Length > 1 << 20)
                    throw new TemplateException("error calling repeat: strings: Repeat output length overflow");
                return string.Concat(Enumerable.Repeat(s, (int)n));
            },
            ["substr"] = (_, a) =>
            {
                Arity(a, 3, "substr");
                return Substring((int)I(a[0]), (int)I(a[1]), S(a[2]));
            },
            ["trunc"] = (_, a) =>
            {
                Arity(a, 2, "trunc");
                return Trunc((int)I(a[0]), S(a[1]));
            },
            ["indent"] = (_, a) =>
            {
                Arity(a, 2, "indent");
                var pad = new string(' ', (int)Math.Max(0, I(a[0])));
                return pad + S(a[1]).Replace("\n", "\n" + pad, StringComparison.Ordinal);
            },
            ["nindent"] = (_, a) =>
            {
                Arity(a, 2, "nindent");
                var pad = new string(' ', (int)Math.Max(0, I(a[0])));
                return "\n" + pad + S(a[1]).Replace("\n", "\n" + pad, StringComparison.Ordinal);
            },
            ["b64enc"] = Str1("b64enc", s => Convert.ToBase64String(Encoding.UTF8.GetBytes(s))),
            ["b64dec"] = Str1("b64dec", s =>
            {
                try
                {
                    return Encoding.UTF8.GetString(Convert.FromBase64String(s));
                }
                catch (FormatException e)
                {
                    return e.Message;
                }
            }),
            ["default"] = (_, a) =>
            {
                MinArity(a, 1, "default");
                if (a.Length < 2 || !GoValues.IsTrue(a[1]))
                    return a[0];
                return a[1];
            },
            ["fromJson"] = Str1("fromJson", FromJson),

            // sprig math.
            ["int"] = (_, a) =>
            {
                Arity(a, 1, "int");
                return I(a[0]);
            },
            ["float64"] = (_, a) =>
            {
                Arity(a, 1, "float64");
                return F(a[0]);
            },
            ["add"] = (_, a) => a.Aggregate(0L, (s, v) => s + I(v)),
            ["sub"] = (_, a) =>
            {
                Arity(a, 2, "sub");
                return I(a[0]) - I(a[1]);
            },
            ["mul"] = (_, a) =>
            {
                MinArity(a, 1, "mul");
                return a.Aggregate(1L, (s, v) => s * I(v));
            },
            ["div"] = (_, a) =>
            {
                Arity(a, 2, "div");
                var b = I(a[1]);
                if (b == 0)
                    throw new TemplateException("error calling div: runtime error: integer divide by zero");
                return I(a[0]) / b;
            },
            ["mod"] = (_, a) =>
            {
                Arity(a, 2, "mod");
                var b = I(a[1]);
                if (b == 0)
                    throw new TemplateException("error calling mod: runtime error: integer divide by zero");
                return I(a[0]) % b;
            },
            ["addf"] = (_, a) => a.Aggregate(0d, (s, v) => s + F(v)),
            ["subf"] = (_, a) =>
            {
                MinArity(a, 1, "subf");
                return a.Skip(1).Aggregate(F(a[0]), (s, v) => s - F(v));
            },
            ["mulf"] = (_, a) =>
            {
                MinArity(a, 1, "mulf");
                return a.Skip(1).Aggregate(F(a[0]), (s, v) => s * F(v));
            },
            ["divf"] = (_, a) =>
            {
                MinArity(a, 1, "divf");
                return a.Skip(1).Aggregate(F(a[0]), (s, v) => s / F(v));
            },
            ["max"] = (_, a) =>
            {
                MinArity(a, 1, "max");
                return a.Skip(1).Aggregate(I(a[0]), (s, v) => Math.Max(s, I(v)));
            },
            ["min"] = (_, a) =>
            {
                MinArity(a, 1, "min");
                return a.Skip(1).Aggregate(I(a[0]), (s, v) => Math.Min(s, I(v)));
            },
            ["maxf"] = (_, a) =>
            {
                MinArity(a, 1, "maxf");
                return a.Skip(1).Aggregate(F(a[0]), (s, v) => Math.Max(s, F(v)));
            },
            ["minf"] = (_, a) =>
            {
                MinArity(a, 1, "minf");
                return a.Skip(1).Aggregate(F(a[0]), (s, v) => Math.Min(s, F(v)));
            },
            ["ceil"] = (_, a) =>
            {
                Arity(a, 1, "ceil");
                return Math.Ceiling(F(a[0]));
            },
            ["floor"] = (_, a) =>
            {
                Arity(a, 1, "floor");
                return Math.Floor(F(a[0]));
            },
            ["round"] = (_, a) =>
            {
                MinArity(a, 2, "round");
                var v = F(a[0]);
                var p = I(a[1]);
                var r = a.Length > 2 ? F(a[2]) : .5;
                var pow = Math.Pow(10, p);
                var digit = pow * v;
                var (intPart, frac) = (Math.Truncate(digit), digit - Math.Truncate(digit));
                var rounded = frac >= r ? intPart + 1 : intPart;
                return rounded / pow;
            },

            // Dates (sprig and Loki).
            ["now"] = (_, a) =>
            {
                Arity(a, 0, "now");
                return DateTimeOffset.UtcNow;
            },
            ["date"] = (_, a) =>
            {
                Arity(a, 2, "date");
                return GoTime.Format(ToTime(a[1]), S(a[0]));
            },
            ["toDate"] = Str2("toDate", (layout, s) => GoTime.TryParseTime(s, layout, TimeZoneInfo.Utc, out var t) ? t : new DateTimeOffset(1, 1, 1, 0, 0, 0, TimeSpan.Zero)),
            ["unixEpoch"] = (_, a) =>
            {
                Arity(a, 1, "unixEpoch");
                return ToTime(a[0]).ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
            },
    };

    internal static string GoReplace(string s, string old, string @new, int n)
    {
        if (n == 0 || old == @new)
            return s;
        if (old.Length == 0)
        {
            // Go inserts the replacement before every rune and at the end.
            var sb = new StringBuilder();
            var count = 0;
            foreach (var r in s.EnumerateRunes())
            {
                if (n < 0 || count < n)
                {
                    sb.Append(@new);
                    count++;
                }
                sb.Append(r.ToString());
            }
            if (n < 0 || count < n)
                sb.Append(@new);
            return sb.ToString();
        }
        if (n < 0)
            return s.Replace(old, @new, StringComparison.Ordinal);
        var result = new StringBuilder();
        var pos = 0;
        for (var i = 0; i < n; i++)
        {
            var idx = s.IndexOf(old, pos, StringComparison.Ordinal);
            if (idx < 0)
                break;
            result.Append(s, pos, idx - pos).Append(@new);
            pos = idx + old.Length;
        }
        return result.Append(s, pos, s.Length - pos).ToString();
    }
    internal static string Title(string s)
    {
        var chars = s.ToCharArray();
        var prevLetter = false;
        for (var i = 0; i < chars.Length; i++)
        {
            var isLetter = char.IsLetterOrDigit(chars[i]) || chars[i] == '_' || chars[i] == '\'';
            if (isLetter && !prevLetter)
                chars[i] = char.ToUpperInvariant(chars[i]);
            prevLetter = isLetter;
        }
        return new string(chars);
    }
    internal static string Substring(int start, int end, string s)
    {
        var runes = s.EnumerateRunes().Select(r => r.ToString()).ToArray();
        var l = runes.Length;
        if (end > l)
            end = l;
        if (start > l)
            start = l;
        if (start < 0)
            return end < 0 ? "" : string.Concat(runes[..end]);
        if (end < 0)
            return string.Concat(runes[start..]);
        if (start > end)
            return "";
        return string.Concat(runes[start..end]);
    }
    internal static string Trunc(int c, string s)
    {
        var runes = s.EnumerateRunes().Select(r => r.ToString()).ToArray();
        var l = runes.Length;
        if (c < 0 && l + c > 0)
            return string.Concat(runes[(l + c)..]);
        if (c >= 0 && l > c)
            return string.Concat(runes[..c]);
        return s;
    }
    internal static object? FromJson(string s)
    {
        try
        {
            using var doc = JsonDocument.Parse(s);
            return Convert(doc.RootElement);
        }
        catch (JsonException)
        {
            // sprig's fromJson returns an empty map on error.
            return new Dictionary<string, object?>(StringComparer.Ordinal);
        }

        static object? Convert(JsonElement e) => e.ValueKind switch
        {
            JsonValueKind.Object => e.EnumerateObject().GroupBy(p => p.Name).ToDictionary(g => g.Key, g => Convert(g.Last().Value), StringComparer.Ordinal),
            JsonValueKind.Array => e.EnumerateArray().Select(Convert).ToList(),
            JsonValueKind.String => e.GetString(),
            JsonValueKind.Number => e.GetDouble(),
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => null,
        };
    }
}
