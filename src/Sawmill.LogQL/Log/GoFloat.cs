using System.Globalization;

namespace Sawmill.LogQL.Log;

/// <summary>Go's <c>strconv.ParseFloat(s, 64)</c> for the forms logs contain (decimal, exponent, inf, nan), with its error text.</summary>
public static class GoFloat
{
    public static bool TryParse(ReadOnlySpan<char> s, out double value)
    {
        value = 0;
        if (s.IsEmpty || char.IsWhiteSpace(s[0]) || char.IsWhiteSpace(s[^1]))
            return false;
        var body = s[0] is '+' or '-' ? s[1..] : s;
        if (body.Equals("inf", StringComparison.OrdinalIgnoreCase) || body.Equals("infinity", StringComparison.OrdinalIgnoreCase))
        {
            value = s[0] == '-' ? double.NegativeInfinity : double.PositiveInfinity;
            return true;
        }
        if (body.Equals("nan", StringComparison.OrdinalIgnoreCase))
        {
            value = double.NaN;
            return s.Length == body.Length;
        }
        if (body.IsEmpty || !(char.IsAsciiDigit(body[0]) || body[0] == '.'))
            return false;
        if (body.StartsWith("0x") || body.StartsWith("0X"))
            return false;
        return double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out value);
    }

    public static bool TryParse(ReadOnlySpan<byte> utf8, out double value)
    {
        Span<char> chars = stackalloc char[Math.Min(utf8.Length, 64)];
        if (utf8.Length > 64)
        {
            value = 0;
            return false;
        }
        for (var i = 0; i < utf8.Length; i++)
            chars[i] = (char)utf8[i];
        return TryParse(chars, out value);
    }

    /// <summary>Go's error text for a value that does not parse.</summary>
    public static string SyntaxError(string s) => $"strconv.ParseFloat: parsing {Sawmill.Core.GoQuote.Quote(s)}: invalid syntax";
}
