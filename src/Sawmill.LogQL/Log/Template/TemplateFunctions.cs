using System.Collections;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Sawmill.Core;

namespace Sawmill.LogQL.Log;

/// <summary>
/// The functions a log template can call: Go's builtins, Loki's own (<c>__line__</c>, <c>__timestamp__</c>,
/// <c>ToLower</c> …, <c>regexReplaceAll</c>, <c>count</c>, <c>urlencode</c>, <c>bytes</c>, <c>duration</c>,
/// <c>unixEpochMillis</c>, <c>toDateInZone</c>, <c>alignLeft</c>, <c>unixToTime</c> …) and the sprig subset Loki
/// exposes (string, math, date, <c>default</c>, <c>fromJson</c>, <c>b64enc</c> …). Errors throw
/// <see cref="TemplateException"/> with Go-like text.
/// </summary>
internal static class TemplateFunctions
{
    private delegate object? Fn(TemplateContext ctx, object?[] a);

    private static readonly Dictionary<string, Fn> Functions = Build();

    public static bool Exists(string name) => Functions.ContainsKey(name);

    public static object? Call(TemplateContext ctx, string name, object?[] args)
    {
        try
        {
            return Functions[name](ctx, args);
        }
        catch (TemplateException)
        {
            throw;
        }
        catch (Exception e) when (e is ArgumentException or FormatException or OverflowException or DivideByZeroException or InvalidOperationException or RegexMatchTimeoutException or JsonException or IndexOutOfRangeException)
        {
            throw new TemplateException($"error calling {name}: {e.Message}");
        }
    }

    private static void Arity(object?[] a, int n, string name)
    {
        if (a.Length != n)
            throw new TemplateException($"wrong number of args for {name}: want {n} got {a.Length}");
    }

    private static void MinArity(object?[] a, int n, string name)
    {
        if (a.Length < n)
            throw new TemplateException($"wrong number of args for {name}: want at least {n} got {a.Length}");
    }

    private static string S(object? v) => GoValues.ToStr(v);

    private static long I(object? v) => GoValues.ToInt64(v);

    private static double F(object? v) => GoValues.ToFloat64(v);

    private static Fn Str1(string name, Func<string, object?> f) => (_, a) =>
    {
        Arity(a, 1, name);
        return f(S(a[0]));
    };

    private static Fn Str2(string name, Func<string, string, object?> f) => (_, a) =>
    {
        Arity(a, 2, name);
        return f(S(a[0]), S(a[1]));
    };

    private static Fn Str3(string name, Func<string, string, string, object?> f) => (_, a) =>
    {
        Arity(a, 3, name);
        return f(S(a[0]), S(a[1]), S(a[2]));
    };

    private static Dictionary<string, Fn> Build()
    {
        var d = new Dictionary<string, Fn>(StringComparer.Ordinal)
        {
            // Loki's line and timestamp.
            ["__line__"] = (c, a) =>
            {
                Arity(a, 0, "__line__");
                return c.Line;
            },
            ["__timestamp__"] = (c, a) =>
            {
                Arity(a, 0, "__timestamp__");
                return FromUnixNanos(c.Entry.TimestampNs);
            },

            // Go builtins.
            ["and"] = (_, a) =>
            {
                MinArity(a, 1, "and");
                foreach (var v in a)
                    if (!GoValues.IsTrue(v))
                        return v;
                return a[^1];
            },
            ["or"] = (_, a) =>
            {
                MinArity(a, 1, "or");
                foreach (var v in a)
                    if (GoValues.IsTrue(v))
                        return v;
                return a[^1];
            },
            ["not"] = (_, a) =>
            {
                Arity(a, 1, "not");
                return !GoValues.IsTrue(a[0]);
            },
            ["len"] = (_, a) =>
            {
                Arity(a, 1, "len");
                return a[0] switch
                {
                    string s => (long)Encoding.UTF8.GetByteCount(s),
                    ICollection c => (long)c.Count,
                    TemplateData t => (long)t.Entry.CurrentLabels().Length,
                    _ => throw new TemplateException($"error calling len: len of type {GoValues.TypeName(a[0])}"),
                };
            },
            ["index"] = (_, a) =>
            {
                MinArity(a, 1, "index");
                var v = a[0];
                for (var i = 1; i < a.Length; i++)
                {
                    v = v switch
                    {
                        TemplateData t => t.Entry.Get(S(a[i])) ?? "",
                        IDictionary dict => dict.Contains(S(a[i])) ? dict[S(a[i])] : null,
                        IList list => I(a[i]) >= 0 && I(a[i]) < list.Count ? list[(int)I(a[i])] : throw new TemplateException($"error calling index: index out of range: {I(a[i])}"),
                        string s => I(a[i]) >= 0 && I(a[i]) < Encoding.UTF8.GetByteCount(s) ? (long)Encoding.UTF8.GetBytes(s)[I(a[i])] : throw new TemplateException($"error calling index: index out of range: {I(a[i])}"),
                        _ => throw new TemplateException($"error calling index: can't index item of type {GoValues.TypeName(v)}"),
                    };
                }
                return v;
            },
            ["slice"] = (_, a) =>
            {
                MinArity(a, 1, "slice");
                if (a[0] is string s)
                {
                    var lo = a.Length > 1 ? (int)I(a[1]) : 0;
                    var hi = a.Length > 2 ? (int)I(a[2]) : s.Length;
                    if (lo < 0 || hi > s.Length || lo > hi)
                        throw new TemplateException($"error calling slice: index out of range: {hi}");
                    return s[lo..hi];
                }
                if (a[0] is IList list)
                {
                    var lo = a.Length > 1 ? (int)I(a[1]) : 0;
                    var hi = a.Length > 2 ? (int)I(a[2]) : list.Count;
                    if (lo < 0 || hi > list.Count || lo > hi)
                        throw new TemplateException($"error calling slice: index out of range: {hi}");
                    var r = new List<object?>();
                    for (var i = lo; i < hi; i++)
                        r.Add(list[i]);
                    return r;
                }
                throw new TemplateException($"error calling slice: can't slice item of type {GoValues.TypeName(a[0])}");
            },
            ["print"] = (_, a) => GoPrint(a, spaces: false),
            ["println"] = (_, a) => GoPrint(a, spaces: true) + "\n",
            ["printf"] = (_, a) =>
            {
                MinArity(a, 1, "printf");
                return GoPrintf.Format(S(a[0]), a.AsSpan(1));
            },
            ["urlquery"] = (_, a) => Uri.EscapeDataString(GoPrint(a, false)).Replace("%20", "+", StringComparison.Ordinal),
            ["html"] = (_, a) => WebUtility.HtmlEncode(GoPrint(a, false)),
            ["js"] = (_, a) => JsonEncodedText.Encode(GoPrint(a, false)).ToString(),
            ["eq"] = (_, a) =>
            {
                MinArity(a, 2, "eq");
                for (var i = 1; i < a.Length; i++)
                    if (GoValues.Compare(a[0], a[i], "eq") == 0)
                        return true;
                return false;
            },
            ["ne"] = (_, a) =>
            {
                Arity(a, 2, "ne");
                return GoValues.Compare(a[0], a[1], "ne") != 0;
            },
            ["lt"] = (_, a) =>
            {
                Arity(a, 2, "lt");
                return GoValues.Compare(a[0], a[1], "lt") < 0;
            },
            ["le"] = (_, a) =>
            {
                Arity(a, 2, "le");
                return GoValues.Compare(a[0], a[1], "le") <= 0;
            },
            ["gt"] = (_, a) =>
            {
                Arity(a, 2, "gt");
                return GoValues.Compare(a[0], a[1], "gt") > 0;
            },
            ["ge"] = (_, a) =>
            {
                Arity(a, 2, "ge");
                return GoValues.Compare(a[0], a[1], "ge") >= 0;
            },

            // Loki's Go strings functions (argument order as in Go).
            ["ToLower"] = Str1("ToLower", s => s.ToLowerInvariant()),
            ["ToUpper"] = Str1("ToUpper", s => s.ToUpperInvariant()),
            ["Replace"] = (_, a) =>
            {
                Arity(a, 4, "Replace");
                return GoReplace(S(a[0]), S(a[1]), S(a[2]), (int)I(a[3]));
            },
            ["Trim"] = Str2("Trim", (s, cut) => s.Trim(cut.ToCharArray())),
            ["TrimLeft"] = Str2("TrimLeft", (s, cut) => s.TrimStart(cut.ToCharArray())),
            ["TrimRight"] = Str2("TrimRight", (s, cut) => s.TrimEnd(cut.ToCharArray())),
            ["TrimPrefix"] = Str2("TrimPrefix", (s, p) => p.Length > 0 && s.StartsWith(p, StringComparison.Ordinal) ? s[p.Length..] : s),
            ["TrimSuffix"] = Str2("TrimSuffix", (s, p) => p.Length > 0 && s.EndsWith(p, StringComparison.Ordinal) ? s[..^p.Length] : s),
            ["TrimSpace"] = Str1("TrimSpace", s => s.Trim()),
            ["regexReplaceAll"] = Str3("regexReplaceAll", (re, s, repl) => Re2.Compile(re, false).Replace(s, GoExpandToDotNet(repl))),
            ["regexReplaceAllLiteral"] = Str3("regexReplaceAllLiteral", (re, s, repl) => Re2.Compile(re, false).Replace(s, repl.Replace("$", "$$", StringComparison.Ordinal))),
            ["count"] = Str2("count", (re, s) => (long)Re2.Compile(re, false).Count(s)),
            ["urldecode"] = Str1("urldecode", UrlDecode),
            ["urlencode"] = Str1("urlencode", UrlEncode),
            ["bytes"] = Str1("bytes", s => ByteSize.TryParse(s, out var b) ? Math.Floor(b) : throw new TemplateException($"error calling bytes: strconv.ParseFloat: parsing {GoQuote.Quote(s)}: invalid syntax")),
            ["duration"] = Str1("duration", ParseDurationSeconds),
            ["duration_seconds"] = Str1("duration_seconds", ParseDurationSeconds),
            ["unixEpochMillis"] = (_, a) =>
            {
                Arity(a, 1, "unixEpochMillis");
                return ToTime(a[0]).ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
            },
            ["unixEpochNanos"] = (_, a) =>
            {
                Arity(a, 1, "unixEpochNanos");
                return UnixNanos(ToTime(a[0])).ToString(CultureInfo.InvariantCulture);
            },
            ["unixToTime"] = Str1("unixToTime", UnixToTime),
            ["toDateInZone"] = Str3("toDateInZone", (layout, zone, s) =>
            {
                var tz = FindZone(zone) ?? TimeZoneInfo.Utc;
                return GoTime.TryParse(layout, s, tz, out var t) ? t : new DateTimeOffset(1, 1, 1, 0, 0, 0, TimeSpan.Zero);
            }),
            ["alignLeft"] = (_, a) =>
            {
                Arity(a, 2, "alignLeft");
                var n = (int)I(a[0]);
                var s = S(a[1]);
                var runes = s.EnumerateRunes().ToArray();
                if (n < 0)
                    return s;
                return runes.Length >= n ? string.Concat(runes.Take(n)) : s + new string(' ', n - runes.Length);
            },
            ["alignRight"] = (_, a) =>
            {
                Arity(a, 2, "alignRight");
                var n = (int)I(a[0]);
                var s = S(a[1]);
                var runes = s.EnumerateRunes().ToArray();
                if (n < 0)
                    return s;
                return runes.Length >= n ? string.Concat(runes.Skip(runes.Length - n)) : new string(' ', n - runes.Length) + s;
            },

            // sprig strings (argument order as in sprig: the subject last).
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
            ["replace"] = Str3("replace", (old, @new, s) => GoReplace(s, old, @new, -1)),
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
            ["toDate"] = Str2("toDate", (layout, s) => GoTime.TryParse(layout, s, TimeZoneInfo.Utc, out var t) ? t : new DateTimeOffset(1, 1, 1, 0, 0, 0, TimeSpan.Zero)),
            ["unixEpoch"] = (_, a) =>
            {
                Arity(a, 1, "unixEpoch");
                return ToTime(a[0]).ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
            },
        };
        return d;
    }

    private static DateTimeOffset FromUnixNanos(long ns) =>
        new(DateTime.UnixEpoch.Ticks + ns / 100, TimeSpan.Zero);

    private static long UnixNanos(DateTimeOffset t) => (t.UtcTicks - DateTime.UnixEpoch.Ticks) * 100;

    /// <summary>sprig's date argument: a time, or unix seconds as a number.</summary>
    private static DateTimeOffset ToTime(object? v) => v switch
    {
        DateTimeOffset t => t,
        long l => DateTimeOffset.FromUnixTimeSeconds(l),
        int i => DateTimeOffset.FromUnixTimeSeconds(i),
        double d => DateTimeOffset.FromUnixTimeSeconds((long)d),
        _ => DateTimeOffset.UtcNow,
    };

    /// <summary>Loki's <c>unixToTime</c>: epoch in seconds, milliseconds, microseconds or nanoseconds by digit count.</summary>
    private static object UnixToTime(string s)
    {
        if (!long.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v))
            throw new TemplateException($"error calling unixToTime: unable to convert {GoQuote.Quote(s)} to epoch time");
        var digits = s.TrimStart('-').Length;
        return digits switch
        {
            <= 10 => FromUnixNanos(v * 1_000_000_000),
            <= 13 => FromUnixNanos(v * 1_000_000),
            <= 16 => FromUnixNanos(v * 1_000),
            19 => FromUnixNanos(v),
            _ => throw new TemplateException($"error calling unixToTime: unable to parse time {GoQuote.Quote(s)}"),
        };
    }

    private static TimeZoneInfo? FindZone(string zone)
    {
        if (zone is "" or "UTC")
            return TimeZoneInfo.Utc;
        try
        {
            return TimeZoneInfo.FindSystemTimeZoneById(zone);
        }
        catch (Exception e) when (e is TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            return null;
        }
    }

    private static object ParseDurationSeconds(string s) =>
        GoDuration.TryParse(s, out var ns) ? ns / 1e9 : throw new TemplateException($"error calling duration: time: invalid duration {GoQuote.Quote(s)}");

    private static string GoPrint(object?[] a, bool spaces)
    {
        var sb = new StringBuilder();
        for (var i = 0; i < a.Length; i++)
        {
            // Go's Sprint adds spaces between operands when neither is a string; Sprintln always.
            if (i > 0 && (spaces || a[i] is not string && a[i - 1] is not string))
                sb.Append(' ');
            sb.Append(a[i] == null ? "<nil>" : GoValues.ToText(a[i]));
        }
        return sb.ToString();
    }

    private static string GoReplace(string s, string old, string @new, int n)
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

    /// <summary>Go's <c>Regexp.Expand</c> template (<c>$1</c>, <c>${name}</c>, <c>$$</c>) in .NET's replacement syntax.</summary>
    private static string GoExpandToDotNet(string repl)
    {
        var sb = new StringBuilder();
        for (var i = 0; i < repl.Length; i++)
        {
            var c = repl[i];
            if (c != '$')
            {
                sb.Append(c);
                continue;
            }
            if (i + 1 < repl.Length && repl[i + 1] == '$')
            {
                sb.Append("$$");
                i++;
                continue;
            }
            if (i + 1 < repl.Length && repl[i + 1] == '{')
            {
                var close = repl.IndexOf('}', i + 2);
                if (close < 0)
                {
                    sb.Append("$$");
                    continue;
                }
                sb.Append("${").Append(repl, i + 2, close - i - 2).Append('}');
                i = close;
                continue;
            }
            // Go takes the longest run of name characters: "$1x" names group "1x".
            var j = i + 1;
            while (j < repl.Length && (char.IsAsciiLetterOrDigit(repl[j]) || repl[j] == '_'))
                j++;
            if (j == i + 1)
            {
                sb.Append("$$");
                continue;
            }
            sb.Append("${").Append(repl, i + 1, j - i - 1).Append('}');
            i = j - 1;
        }
        return sb.ToString();
    }

    private static string UrlEncode(string s)
    {
        var sb = new StringBuilder();
        foreach (var b in Encoding.UTF8.GetBytes(s))
        {
            if (char.IsAsciiLetterOrDigit((char)b) || b is (byte)'-' or (byte)'_' or (byte)'.' or (byte)'~')
                sb.Append((char)b);
            else if (b == ' ')
                sb.Append('+');
            else
                sb.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
        }
        return sb.ToString();
    }

    private static string UrlDecode(string s)
    {
        var bytes = new List<byte>(s.Length);
        for (var i = 0; i < s.Length; i++)
        {
            var c = s[i];
            if (c == '+')
                bytes.Add((byte)' ');
            else if (c == '%')
            {
                if (i + 2 >= s.Length || !byte.TryParse(s.AsSpan(i + 1, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var b))
                    throw new TemplateException($"error calling urldecode: invalid URL escape {GoQuote.Quote(s.Substring(i, Math.Min(3, s.Length - i)))}");
                bytes.Add(b);
                i += 2;
            }
            else
                bytes.AddRange(Encoding.UTF8.GetBytes(c.ToString()));
        }
        return Encoding.UTF8.GetString(bytes.ToArray());
    }

    private static string Title(string s)
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

    private static string Substring(int start, int end, string s)
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

    private static string Trunc(int c, string s)
    {
        var runes = s.EnumerateRunes().Select(r => r.ToString()).ToArray();
        var l = runes.Length;
        if (c < 0 && l + c > 0)
            return string.Concat(runes[(l + c)..]);
        if (c >= 0 && l > c)
            return string.Concat(runes[..c]);
        return s;
    }

    private static object? FromJson(string s)
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
