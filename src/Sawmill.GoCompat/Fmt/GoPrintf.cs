using System.Globalization;
using System.Text;

namespace Sawmill.GoCompat;

/// <summary>Go's <c>fmt.Sprintf</c> for template values: verbs v s q d f F e E g G x X o b t c U % with flags, width and precision.</summary>
public static class GoPrintf
{
    public static string Format(string format, ReadOnlySpan<object?> args)
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
                var f = format[i];
                if (f == '-')
                    minus = true;
                else if (f == '+')
                    plus = true;
                else if (f == '0')
                    zero = true;
                else if (f == ' ')
                    space = true;
                else if (f == '#')
                    sharp = true;
                else
                    break;
            }
            var width = -1;
            if (i < format.Length && format[i] == '*')
            {
                width = argi < args.Length ? (int)GoValues.ToInt64(args[argi++]) : 0;
                i++;
            }
            else
                width = ReadInt(format, ref i);
            var prec = -1;
            if (i < format.Length && format[i] == '.')
            {
                i++;
                if (i < format.Length && format[i] == '*')
                {
                    prec = argi < args.Length ? (int)GoValues.ToInt64(args[argi++]) : 0;
                    i++;
                }
                else
                {
                    prec = ReadInt(format, ref i);
                    if (prec < 0)
                        prec = 0;
                }
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
            if (argi >= args.Length)
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
                else if (zero && verb is not ('s' or 'q' or 'v') || zero && arg is long or double)
                {
                    var sign = text.Length > 0 && text[0] is '-' or '+' ? text[0].ToString() : "";
                    text = sign + text[sign.Length..].PadLeft(width - sign.Length, '0');
                }
                else
                    text = text.PadLeft(width);
            }
            sb.Append(text);
        }
        if (argi < args.Length)
        {
            sb.Append("%!(EXTRA ");
            for (var k = argi; k < args.Length; k++)
            {
                if (k > argi)
                    sb.Append(", ");
                sb.Append(GoValues.TypeName(args[k])).Append('=').Append(GoValues.ToText(args[k]));
            }
            sb.Append(')');
        }
        return sb.ToString();
    }

    private static int ReadInt(string s, ref int i)
    {
        var start = i;
        var v = 0;
        while (i < s.Length && char.IsAsciiDigit(s[i]))
            v = v * 10 + (s[i++] - '0');
        return i == start ? -1 : v;
    }

    private static string FormatOne(char verb, object? arg, int prec, bool plus, bool space, bool sharp)
    {
        var inv = CultureInfo.InvariantCulture;
        string Sign(string s, bool negative) => negative ? s : plus ? "+" + s : space ? " " + s : s;
        switch (verb)
        {
            case 'v':
                if (arg is double dv)
                    return Sign(GoValues.FormatFloat(dv), dv < 0 || double.IsNegative(dv));
                if (arg is long lv)
                    return Sign(lv.ToString(inv), lv < 0);
                return arg == null ? "<nil>" : GoValues.ToText(arg);
            case 's':
                // Go's %s prints strings (and values with a String method); numbers and bools are a bad verb.
                if (arg is long or int or double or bool)
                    return BadVerb(verb, arg);
                var s = arg == null ? "%!s(<nil>)" : GoValues.ToText(arg);
                return prec >= 0 && s.Length > prec ? s[..prec] : s;
            case 'q':
                return arg is long q ? "'" + char.ConvertFromUtf32((int)q) + "'" : GoQuote.Quote(GoValues.ToStr(arg));
            case 't':
                return arg is bool b ? (b ? "true" : "false") : BadVerb(verb, arg);
            case 'd':
                if (arg is long d)
                    return Sign(d.ToString(inv), d < 0);
                return BadVerb(verb, arg);
            case 'c':
                return arg is long ch ? char.ConvertFromUtf32((int)ch) : BadVerb(verb, arg);
            case 'U':
                return arg is long u ? "U+" + u.ToString("X4", inv) : BadVerb(verb, arg);
            case 'x':
            case 'X':
                string hex;
                if (arg is long x)
                    hex = (x < 0 ? "-" : "") + Math.Abs(x).ToString(verb == 'x' ? "x" : "X", inv);
                else if (arg is string xs)
                    hex = Convert.ToHexString(Encoding.UTF8.GetBytes(xs));
                else
                    return BadVerb(verb, arg);
                if (verb == 'x')
                    hex = hex.ToLowerInvariant();
                return sharp && arg is long ? (verb == 'x' ? "0x" : "0X") + hex : hex;
            case 'o':
                return arg is long o ? (sharp ? "0" : "") + Convert.ToString(o, 8) : BadVerb(verb, arg);
            case 'b':
                return arg is long bb ? Convert.ToString(bb, 2) : BadVerb(verb, arg);
            case 'f':
            case 'F':
            case 'e':
            case 'E':
            case 'g':
            case 'G':
                if (arg is not (double or long))
                    return BadVerb(verb, arg);
                var f = GoValues.ToFloat64(arg);
                if (arg is long)
                    return BadVerb(verb, arg);
                if (double.IsNaN(f))
                    return "NaN";
                if (double.IsInfinity(f))
                    return f > 0 ? (plus ? "+Inf" : "+Inf") : "-Inf";
                string r;
                switch (verb)
                {
                    case 'f':
                    case 'F':
                        r = f.ToString("F" + (prec < 0 ? 6 : prec), inv);
                        break;
                    case 'e':
                    case 'E':
                        r = GoExp(f, prec < 0 ? 6 : prec, verb);
                        break;
                    default:
                        r = prec < 0 ? GoValues.FormatFloat(f) : f.ToString("G" + Math.Max(prec, 1), inv);
                        if (verb == 'G')
                            r = r.ToUpperInvariant();
                        break;
                }
                return Sign(r, f < 0);
            default:
                return BadVerb(verb, arg);
        }
    }

    private static string GoExp(double f, int prec, char verb)
    {
        var s = f.ToString((verb == 'e' ? "e" : "E") + prec, CultureInfo.InvariantCulture);
        // .NET prints e+006; Go prints e+06.
        var e = s.IndexOfAny(['e', 'E']);
        var mant = s[..(e + 2)];
        var exp = s[(e + 2)..].TrimStart('0');
        if (exp.Length < 2)
            exp = exp.PadLeft(2, '0');
        return mant + exp;
    }

    private static string BadVerb(char verb, object? arg) => $"%!{verb}({GoValues.TypeName(arg)}={GoValues.ToText(arg)})";
}
