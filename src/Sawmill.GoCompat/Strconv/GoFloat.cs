using System.Globalization;

namespace Sawmill.GoCompat;

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
        if (TryParseSimpleDecimal(utf8, out value))
            return true;
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

    // Powers of ten that doubles hold exactly (10^22 is the largest).
    private static readonly double[] ExactPowersOfTen =
    [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
        1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
    ];

    /// <summary>
    /// The common shape of logged numbers — optional sign, at most 15 significant digits and 22 decimals, at most one
    /// '.', no exponent — without the general parser (Clinger's fast path): the digits form an integer below 2^53 and
    /// the divisor a power of ten, both exact doubles, and IEEE division rounds correctly, so the result is
    /// bit-identical to the correctly rounded parse. False (value 0) for anything else, which then takes the general path.
    /// </summary>
    public static bool TryParseSimpleDecimal(ReadOnlySpan<byte> s, out double value)
    {
        value = 0;
        var i = 0;
        var negative = false;
        if (s.Length > 0 && (s[0] == '-' || s[0] == '+'))
        {
            negative = s[0] == '-';
            i = 1;
        }
        long mantissa = 0;
        var digits = 0; // significant digits (leading zeros do not count)
        var anyDigit = false;
        var fraction = -1; // digits after the '.', -1 while no '.' was seen
        for (; i < s.Length; i++)
        {
            var c = s[i];
            if ((uint)(c - '0') <= 9)
            {
                anyDigit = true;
                if ((mantissa != 0 || c != '0') && ++digits > 15)
                    return false;
                mantissa = mantissa * 10 + (c - '0');
                if (fraction >= 0 && ++fraction > 22)
                    return false;
            }
            else if (c == '.' && fraction < 0)
            {
                fraction = 0;
            }
            else
            {
                return false;
            }
        }
        if (!anyDigit)
            return false;
        var v = fraction > 0 ? mantissa / ExactPowersOfTen[fraction] : mantissa;
        value = negative ? -v : v;
        return true;
    }

    /// <summary>Go's error text for a value that does not parse.</summary>
    public static string SyntaxError(string s) => $"strconv.ParseFloat: parsing {GoQuote.Quote(s)}: invalid syntax";
}
