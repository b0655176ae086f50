using System.Globalization;
using System.Text;

namespace Sawmill.GoCompat;

/// <summary>Number and duration text as Go prints them (Loki's canonical query text uses these).</summary>
public static class GoFormat
{
    /// <summary>
    /// Go's <c>fmt.Sprint(float64)</c>: shortest digits, exponent form when exp &lt; -4 or ≥ <paramref name="exponentFrom"/>
    /// (21 for <c>fmt</c>'s <c>%v</c>; 6 for <c>strconv.FormatFloat(f, 'g', -1, 64)</c>).
    /// </summary>
    public static string Float(double v, int exponentFrom = 21)
    {
        if (double.IsNaN(v))
            return "NaN";
        if (double.IsPositiveInfinity(v))
            return "+Inf";
        if (double.IsNegativeInfinity(v))
            return "-Inf";
        if (v == 0)
            return 1 / v < 0 ? "-0" : "0";
        var r = v.ToString("R", CultureInfo.InvariantCulture);
        var neg = r[0] == '-';
        if (neg)
            r = r[1..];
        var exp = 0;
        var e = r.IndexOfAny(['E', 'e']);
        if (e >= 0)
        {
            exp = int.Parse(r[(e + 1)..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
            r = r[..e];
        }
        var dot = r.IndexOf('.');
        var intPart = dot >= 0 ? r[..dot] : r;
        var frac = dot >= 0 ? r[(dot + 1)..] : "";
        var digits = (intPart + frac).TrimStart('0');
        var leadingZeros = (intPart + frac).Length - digits.Length;
        // decimal exponent of the first significant digit
        var x = intPart.Length - 1 - leadingZeros + exp;
        digits = digits.TrimEnd('0');
        if (digits.Length == 0)
            digits = "0";
        var sb = new StringBuilder();
        if (neg)
            sb.Append('-');
        if (x < -4 || x >= exponentFrom)
        {
            sb.Append(digits[0]);
            if (digits.Length > 1)
                sb.Append('.').Append(digits, 1, digits.Length - 1);
            sb.Append('e').Append(x < 0 ? '-' : '+');
            var ax = Math.Abs(x);
            if (ax < 10)
                sb.Append('0');
            sb.Append(ax.ToString(CultureInfo.InvariantCulture));
            return sb.ToString();
        }
        if (x < 0)
        {
            sb.Append("0.").Append('0', -x - 1).Append(digits);
        }
        else if (digits.Length <= x + 1)
        {
            sb.Append(digits).Append('0', x + 1 - digits.Length);
        }
        else
        {
            sb.Append(digits, 0, x + 1).Append('.').Append(digits, x + 1, digits.Length - x - 1);
        }
        return sb.ToString();
    }

    /// <summary>Go's <c>time.Duration.String()</c>: <c>1h2m3.5s</c>, <c>5m0s</c>, <c>250ms</c>, <c>0s</c>.</summary>
    public static string Duration(long ns)
    {
        if (ns == 0)
            return "0s";
        var sb = new StringBuilder();
        var neg = ns < 0;
        var u = neg ? (ulong)(-ns) : (ulong)ns;
        if (neg)
            sb.Append('-');
        if (u < 1_000_000_000UL)
        {
            // Sub-second: ns, µs or ms with a fraction.
            if (u < 1_000)
                return sb.Append(u).Append("ns").ToString();
            if (u < 1_000_000)
                return sb.Append(Frac(u, 1_000)).Append("µs").ToString();
            return sb.Append(Frac(u, 1_000_000)).Append("ms").ToString();
        }
        var h = u / 3_600_000_000_000UL;
        u -= h * 3_600_000_000_000UL;
        var m = u / 60_000_000_000UL;
        u -= m * 60_000_000_000UL;
        if (h > 0)
            sb.Append(h).Append('h');
        if (h > 0 || m > 0)
            sb.Append(m).Append('m');
        sb.Append(Frac(u, 1_000_000_000)).Append('s');
        return sb.ToString();
    }

    private static string Frac(ulong v, ulong unit)
    {
        var whole = v / unit;
        var rest = v % unit;
        if (rest == 0)
            return whole.ToString(CultureInfo.InvariantCulture);
        var width = unit.ToString(CultureInfo.InvariantCulture).Length - 1;
        return whole.ToString(CultureInfo.InvariantCulture) + "." + rest.ToString(CultureInfo.InvariantCulture).PadLeft(width, '0').TrimEnd('0');
    }

    /// <summary>A byte count in the largest unit that divides it exactly (<c>20MB</c>, <c>1KiB</c>), else bytes (<c>1500B</c>).</summary>
    public static string Bytes(double bytes)
    {
        if (bytes >= 1 && bytes == Math.Floor(bytes) && bytes < 9.2e18)
        {
            var b = (long)bytes;
            (long Unit, string Name)[] units =
            [
                (1L << 60, "EiB"), (1_000_000_000_000_000_000, "EB"), (1L << 50, "PiB"), (1_000_000_000_000_000, "PB"),
                (1L << 40, "TiB"), (1_000_000_000_000, "TB"), (1L << 30, "GiB"), (1_000_000_000, "GB"),
                (1L << 20, "MiB"), (1_000_000, "MB"), (1L << 10, "KiB"), (1_000, "KB"),
            ];
            foreach (var (unit, name) in units)
                if (b >= unit && b % unit == 0)
                    return (b / unit).ToString(CultureInfo.InvariantCulture) + name;
            return b.ToString(CultureInfo.InvariantCulture) + "B";
        }
        return Float(bytes) + "B";
    }

    /// <summary>Go's <c>strconv.FormatFloat(v, 'e', -1, 64)</c>, which the Prometheus API uses for alert values.</summary>
    public static string FloatE(double v)
    {
        if (double.IsNaN(v))
            return "NaN";
        if (double.IsInfinity(v))
            return v > 0 ? "+Inf" : "-Inf";
        var r = v.ToString("R", CultureInfo.InvariantCulture);
        // Shortest digits, then place them as d.ddde±XX.
        var neg = r.StartsWith('-');
        if (neg)
            r = r[1..];
        var e = r.IndexOf('E');
        var mant = e < 0 ? r : r[..e];
        var exp = e < 0 ? 0 : int.Parse(r.AsSpan(e + 1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        var dot = mant.IndexOf('.');
        var intPart = dot < 0 ? mant : mant[..dot];
        var digits = (intPart + (dot < 0 ? "" : mant[(dot + 1)..])).TrimStart('0');
        var lead = (intPart + (dot < 0 ? "" : mant[(dot + 1)..])).Length - digits.Length;
        if (digits.Length == 0)
            return neg ? "-0e+00" : "0e+00";
        var dp = intPart.Length + exp - lead;
        digits = digits.TrimEnd('0');
        var ee = dp - 1;
        var sb = new System.Text.StringBuilder();
        if (neg)
            sb.Append('-');
        sb.Append(digits[0]);
        if (digits.Length > 1)
            sb.Append('.').Append(digits, 1, digits.Length - 1);
        sb.Append('e').Append(ee < 0 ? '-' : '+').Append(Math.Abs(ee).ToString("00", CultureInfo.InvariantCulture));
        return sb.ToString();
    }
}
