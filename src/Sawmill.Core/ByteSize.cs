using System.Globalization;

namespace Sawmill.Core;

/// <summary>
/// Human byte sizes as LogQL label filters and <c>bytes()</c> accept them (go-humanize's ParseBytes:
/// <c>20MB</c> = 20,000,000, <c>20MiB</c> = 20,971,520, <c>1.5 KB</c>, bare numbers are bytes).
/// </summary>
public static class ByteSize
{
    public static bool TryParse(ReadOnlySpan<char> s, out double bytes)
    {
        bytes = 0;
        s = s.Trim();
        var i = 0;
        while (i < s.Length && (char.IsAsciiDigit(s[i]) || s[i] is '.' or ','))
            i++;
        if (i == 0)
            return false;
        var numText = s[..i].ToString().Replace(",", "", StringComparison.Ordinal);
        if (!double.TryParse(numText, NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
            return false;
        var unit = s[i..].Trim().ToString().ToLowerInvariant();
        double scale = unit switch
        {
            "" or "b" => 1,
            "k" or "kb" => 1e3,
            "ki" or "kib" => 1024,
            "m" or "mb" => 1e6,
            "mi" or "mib" => 1024d * 1024,
            "g" or "gb" => 1e9,
            "gi" or "gib" => 1024d * 1024 * 1024,
            "t" or "tb" => 1e12,
            "ti" or "tib" => 1024d * 1024 * 1024 * 1024,
            "p" or "pb" => 1e15,
            "pi" or "pib" => Math.Pow(1024, 5),
            "e" or "eb" => 1e18,
            "ei" or "eib" => Math.Pow(1024, 6),
            _ => double.NaN,
        };
        if (double.IsNaN(scale))
            return false;
        bytes = value * scale;
        return true;
    }
}
