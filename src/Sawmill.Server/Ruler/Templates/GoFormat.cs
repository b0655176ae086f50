using System.Collections;
using System.Globalization;
using System.Text;

namespace Sawmill.Server.Ruler.Templates;

/// <summary>
/// Go's <c>fmt</c> rules for the values a template sees: <c>%v</c> printing of floats (shortest digits, exponent
/// from 1e+21 … as Go's <c>%g</c> does, i.e. <c>1e+06</c>), and the <c>printf</c> verbs templates use
/// (<c>%v %s %d %f %e %g %x %q %t %%</c> with flags, width and precision).
/// </summary>
internal static class GoFormat
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>Text of a value as Go's <c>fmt.Sprint</c> gives it.</summary>
    public static string Print(object? v) => v switch
    {
        null => "<no value>",
        string s => s,
        double d => G(d, -1),
        float f => G(f, -1),
        long or int => Convert.ToString(v, Inv)!,
        bool b => b ? "true" : "false",
        IDictionary<string, string> m => "map[" + string.Join(" ", m.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => p.Key + ":" + p.Value)) + "]",
        IDictionary m => "map[" + string.Join(" ", m.Keys.Cast<object>().OrderBy(k => Print(k), StringComparer.Ordinal).Select(k => Print(k) + ":" + Print(m[k]))) + "]",
        IEnumerable e => "[" + string.Join(" ", e.Cast<object?>().Select(Print)) + "]",
        _ => v.ToString() ?? "",
    };

    /// <summary>Go's <c>%g</c> (precision -1 = shortest representation that round-trips).</summary>
    public static string G(double v, int precision)
    {
        if (double.IsNaN(v))
            return "NaN";
        if (double.IsInfinity(v))
            return v > 0 ? "+Inf" : "-Inf";
        if (v == 0)
            return double.IsNegative(v) ? "-0" : "0";
        if (precision == 0)
            precision = 1;
        var (neg, digits, dp) = Decimal(v, precision);
        var eprec = precision < 0 ? 6 : precision;
        if (precision > 0 && eprec > digits.Length && digits.Length >= dp)
            eprec = digits.Length;
        var exp = dp - 1;
        var sb = new StringBuilder();
        if (neg)
            sb.Append('-');
        if (exp < -4 || exp >= eprec)
        {
            sb.Append(digits[0]);
            if (digits.Length > 1)
                sb.Append('.').Append(digits, 1, digits.Length - 1);
            AppendExp(sb, exp);
            return sb.ToString();
        }
        if (dp <= 0)
            sb.Append("0.").Append('0', -dp).Append(digits);
        else if (dp >= digits.Length)
            sb.Append(digits).Append('0', dp - digits.Length);
        else
            sb.Append(digits, 0, dp).Append('.').Append(digits, dp, digits.Length - dp);
        return sb.ToString();
    }

    /// <summary>Go's <c>%e</c> with the given precision (default 6).</summary>
    public static string E(double v, int precision)
    {
        if (double.IsNaN(v) || double.IsInfinity(v))
            return G(v, -1);
        var s = v.ToString("E" + precision.ToString(Inv), Inv);
        var e = s.IndexOf('E');
        var exp = int.Parse(s.AsSpan(e + 1), NumberStyles.AllowLeadingSign, Inv);
        var sb = new StringBuilder(s, 0, e, s.Length);
        AppendExp(sb, exp);
        return sb.ToString();
    }

    public static string F(double v, int precision)
    {
        if (double.IsNaN(v) || double.IsInfinity(v))
            return G(v, -1);
        return v.ToString("F" + precision.ToString(Inv), Inv);
    }

    private static void AppendExp(StringBuilder sb, int exp)
    {
        sb.Append('e').Append(exp < 0 ? '-' : '+');
        var a = Math.Abs(exp);
        if (a < 10)
            sb.Append('0');
        sb.Append(a.ToString(Inv));
    }

    /// <summary>Decimal digits (no leading/trailing zeros) and decimal-point position: v = 0.DIGITS × 10^dp.</summary>
    private static (bool Neg, string Digits, int Dp) Decimal(double v, int precision)
    {
        var neg = v < 0;
        v = Math.Abs(v);
        var s = precision < 0 ? v.ToString("E16", Inv) : v.ToString("E" + (precision - 1).ToString(Inv), Inv);
        if (precision < 0)
        {
            // Shortest round-trip digits: "R" gives them; normalise through the same mantissa/exponent split.
            var r = v.ToString("R", Inv);
            var ei = r.IndexOf('E');
            var mant = ei < 0 ? r : r[..ei];
            var e10 = ei < 0 ? 0 : int.Parse(r.AsSpan(ei + 1), NumberStyles.AllowLeadingSign, Inv);
            var dot = mant.IndexOf('.');
            var intPart = dot < 0 ? mant : mant[..dot];
            var frac = dot < 0 ? "" : mant[(dot + 1)..];
            var all = intPart + frac;
            var dp = intPart.Length + e10;
            var lead = 0;
            while (lead < all.Length - 1 && all[lead] == '0')
                lead++;
            all = all[lead..];
            dp -= lead;
            return (neg, all.TrimEnd('0') is { Length: > 0 } t ? t : "0", dp);
        }
        var e = s.IndexOf('E');
        var exp = int.Parse(s.AsSpan(e + 1), NumberStyles.AllowLeadingSign, Inv);
        var digits = s[..e].Replace(".", "", StringComparison.Ordinal).TrimEnd('0');
        if (digits.Length == 0)
            digits = "0";
        return (neg, digits, exp + 1);
    }

    /// <summary>Go's <c>fmt.Sprintf</c> for the verbs templates use; unknown verbs print Go's <c>%!x(type=value)</c>.</summary>
    public static string Sprintf(string format, IReadOnlyList<object?> args)
    {
        var sb = new StringBuilder();
        var argi = 0;
        for (var i = 0; i < format.Length; i++)
        {
            var c = format[i];
            if (c != '%')
            {
                sb.Append(c);
                continue;
            }
            i++;
            if (i >= format.Length)
            {
                sb.Append("%!(NOVERB)");
                break;
            }
            bool minus = false, plus = false, zero = false, space = false, sharp = false;
            for (; i < format.Length; i++)
            {
                switch (format[i])
                {
                    case '-': minus = true; continue;
                    case '+': plus = true; continue;
                    case '0': zero = true; continue;
                    case ' ': space = true; continue;
                    case '#': sharp = true; continue;
                }
                break;
            }
            var width = -1;
            var start = i;
            while (i < format.Length && char.IsAsciiDigit(format[i]))
                i++;
            if (i > start)
                width = int.Parse(format.AsSpan(start, i - start), Inv);
            var prec = -1;
            if (i < format.Length && format[i] == '.')
            {
                i++;
                start = i;
                while (i < format.Length && char.IsAsciiDigit(format[i]))
                    i++;
                prec = i > start ? int.Parse(format.AsSpan(start, i - start), Inv) : 0;
            }
            if (i >= format.Length)
            {
                sb.Append("%!(NOVERB)");
                break;
            }
            var verb = format[i];
            if (verb == '%')
            {
                sb.Append('%');
                continue;
            }
            if (argi >= args.Count)
            {
                sb.Append("%!").Append(verb).Append("(MISSING)");
                continue;
            }
            var arg = args[argi++];
            var text = FormatOne(verb, arg, prec, plus, space, sharp);
            if (width > 0 && text.Length < width)
            {
                if (minus)
                    text = text.PadRight(width);
                else if (zero && verb is 'd' or 'f' or 'e' or 'g' or 'x' or 'X' && text.Length > 0 && (text[0] == '-' || text[0] == '+'))
                    text = text[0] + text[1..].PadLeft(width - 1, '0');
                else
                    text = text.PadLeft(width, zero && verb != 's' && verb != 'q' && verb != 'v' ? '0' : ' ');
            }
            sb.Append(text);
        }
        if (argi < args.Count)
            sb.Append("%!(EXTRA ").Append(string.Join(", ", args.Skip(argi).Select(a => TypeName(a) + "=" + Print(a)))).Append(')');
        return sb.ToString();
    }

    private static string FormatOne(char verb, object? arg, int prec, bool plus, bool space, bool sharp)
    {
        string Sign(string s, double d) => d >= 0 && !s.StartsWith('+') ? (plus ? "+" + s : space ? " " + s : s) : s;
        switch (verb)
        {
            case 'v':
                return arg is double dv && plus ? Sign(G(dv, -1), dv) : Print(arg);
            case 's':
                var s = Print(arg);
                return prec >= 0 && s.Length > prec ? s[..prec] : s;
            case 'q':
                return arg is string qs ? Sharp(qs, sharp) : Bad(verb, arg);
            case 't':
                return arg is bool b ? (b ? "true" : "false") : Bad(verb, arg);
            case 'd':
                return arg switch
                {
                    long l => Sign(l.ToString(Inv), l),
                    int n => Sign(n.ToString(Inv), n),
                    _ => Bad(verb, arg),
                };
            case 'x' or 'X':
                var hex = arg switch
                {
                    long l => l.ToString("x", Inv),
                    int n => n.ToString("x", Inv),
                    string str => Convert.ToHexStringLower(Encoding.UTF8.GetBytes(str)),
                    _ => null,
                };
                if (hex == null)
                    return Bad(verb, arg);
                return verb == 'X' ? hex.ToUpperInvariant() : hex;
            case 'f' or 'F' or 'e' or 'E' or 'g' or 'G':
                double d;
                if (arg is double dd)
                    d = dd;
                else if (arg is long or int)
                    return Bad(verb, arg);
                else
                    return Bad(verb, arg);
                var t = verb switch
                {
                    'f' or 'F' => F(d, prec < 0 ? 6 : prec),
                    'e' => E(d, prec < 0 ? 6 : prec),
                    'E' => E(d, prec < 0 ? 6 : prec).ToUpperInvariant(),
                    'G' => G(d, prec).ToUpperInvariant(),
                    _ => G(d, prec),
                };
                return Sign(t, d);
            default:
                return Bad(verb, arg);
        }
    }

    private static string Sharp(string s, bool raw) => raw && !s.Contains('`') ? "`" + s + "`" : GoQuote(s);

    public static string GoQuote(string s)
    {
        var sb = new StringBuilder("\"");
        foreach (var ch in s)
        {
            switch (ch)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                default:
                    if (ch < 0x20)
                        sb.Append("\\x").Append(((int)ch).ToString("x2", Inv));
                    else
                        sb.Append(ch);
                    break;
            }
        }
        return sb.Append('"').ToString();
    }

    private static string Bad(char verb, object? arg) => $"%!{verb}({TypeName(arg)}={Print(arg)})";

    public static string TypeName(object? v) => v switch
    {
        null => "<nil>",
        string => "string",
        double => "float64",
        long or int => "int",
        bool => "bool",
        IDictionary<string, string> => "map[string]string",
        _ => v.GetType().Name,
    };
}
