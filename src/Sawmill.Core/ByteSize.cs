using System.Globalization;

namespace Sawmill.Core;

/// <summary>
/// Human byte sizes as LogQL label filters and <c>bytes()</c> accept them (go-humanize's ParseBytes:
/// <c>20MB</c> = 20,000,000, <c>20MiB</c> = 20,971,520, <c>1.5 KB</c>, bare numbers are bytes).
/// </summary>
public static class ByteSize
{
    public static bool TryParse(ReadOnlySpan<char> s, out double bytes) => ParseError(s, out bytes) == null;

    /// <summary>
    /// go-humanize's ParseBytes: the leading digits, '.' and ',' (commas dropped) as a float, then the rest, trimmed and
    /// lower-cased, as the unit. Returns its error text (<c>unhandled size name: xyz</c>, or Go's ParseFloat error for
    /// the number, <c>strconv.ParseFloat: parsing "": invalid syntax</c>) or null when it parses.
    /// </summary>
    public static string? ParseError(ReadOnlySpan<char> s, out double bytes)
    {
        bytes = 0;
        var i = 0;
        while (i < s.Length && (char.IsDigit(s[i]) || s[i] is '.' or ','))
            i++;
        var numText = s[..i].ToString().Replace(",", "", StringComparison.Ordinal);
        // Go's ParseFloat takes ASCII digits only (char.IsDigit above also let other scripts' digits through, as Go's
        // unicode.IsDigit does).
        if (!numText.All(c => char.IsAsciiDigit(c) || c == '.') ||
            !double.TryParse(numText, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value))
            return $"strconv.ParseFloat: parsing {Quote(numText)}: invalid syntax";
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
            return $"unhandled size name: {unit}";
        bytes = value * scale;
        if (bytes >= 18446744073709551615d)
            return $"too large: {s.ToString()}";
        return null;
    }

    // Core does not reference GoCompat: a number's text is digits and dots, so Go's %q is plain quoting here, except
    // for digits of other scripts, which Go quotes as they are (printable).
    private static string Quote(string s) => "\"" + s + "\"";
}
