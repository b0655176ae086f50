using System.Globalization;

namespace Sawmill.Server.Ruler;

/// <summary>Formats shared by the ruler's JSON (RFC 3339 times with nanosecond precision, Go's float text).</summary>
internal static class RulerJson
{
    /// <summary>RFC 3339 in UTC with fraction trimmed as Go's <c>time.RFC3339Nano</c> prints it.</summary>
    public static string Time(DateTime t)
    {
        t = t.ToUniversalTime();
        var s = t.ToString("yyyy-MM-ddTHH:mm:ss.fffffff", CultureInfo.InvariantCulture).TrimEnd('0').TrimEnd('.');
        return s + "Z";
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
