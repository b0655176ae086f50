using System.Globalization;

namespace Sawmill.GoCompat;

/// <summary>
/// Go's <c>strconv.ParseFloat(s, 64)</c>: decimal with optional exponent, digits separated by single underscores
/// (<c>1_000</c>), hexadecimal with a binary exponent (<c>0x1.8p3</c>), <c>inf</c>/<c>infinity</c>/<c>nan</c> in any
/// case; with its error texts. A well-formed number too large for a double is an error (Go's ErrRange) with value ±Inf.
/// </summary>
public static class GoFloat
{
    public static bool TryParse(ReadOnlySpan<char> s, out double value) => Parse(s, out value) == Result.Ok;

    private enum Result { Ok, Syntax, Range }

    private static Result Parse(ReadOnlySpan<char> s, out double value)
    {
        value = 0;
        if (s.IsEmpty)
            return Result.Syntax;
        var negative = s[0] == '-';
        var body = s[0] is '+' or '-' ? s[1..] : s;
        if (body.Equals("inf", StringComparison.OrdinalIgnoreCase) || body.Equals("infinity", StringComparison.OrdinalIgnoreCase))
        {
            value = negative ? double.NegativeInfinity : double.PositiveInfinity;
            return Result.Ok;
        }
        if (body.Equals("nan", StringComparison.OrdinalIgnoreCase))
        {
            value = double.NaN;
            return s.Length == body.Length ? Result.Ok : Result.Syntax;
        }
        if (body.Length > 1 && body[0] == '0' && (body[1] | 0x20) == 'x')
            return ParseHex(body[2..], negative, out value);
        // Decimal: digits, at most one '.', an optional exponent; '_' only between two digits.
        Span<char> clean = body.Length <= 128 ? stackalloc char[body.Length] : new char[body.Length];
        var n = 0;
        var digits = false;
        var dot = false;
        var exponent = false;
        for (var i = 0; i < body.Length; i++)
        {
            var c = body[i];
            if (char.IsAsciiDigit(c))
            {
                digits = true;
            }
            else if (c == '_')
            {
                if (i == 0 || i + 1 >= body.Length || !char.IsAsciiDigit(body[i - 1]) || !char.IsAsciiDigit(body[i + 1]))
                    return Result.Syntax;
                continue;
            }
            else if (c == '.' && !dot && !exponent)
            {
                dot = true;
            }
            else if ((c | 0x20) == 'e' && digits && !exponent)
            {
                exponent = true;
                clean[n++] = 'e';
                if (i + 1 < body.Length && body[i + 1] is '+' or '-')
                    clean[n++] = body[++i];
                if (i + 1 >= body.Length || !char.IsAsciiDigit(body[i + 1]))
                    return Result.Syntax;
                continue;
            }
            else
            {
                return Result.Syntax;
            }
            clean[n++] = c;
        }
        if (!digits)
            return Result.Syntax;
        if (!double.TryParse(clean[..n], NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent, CultureInfo.InvariantCulture, out value))
            return Result.Syntax;
        if (negative)
            value = -value;
        return double.IsInfinity(value) ? Result.Range : Result.Ok;
    }

    /// <summary>Go's hexadecimal floats: <c>0x</c> mantissa (hex digits, optional '.'), then <c>p</c> and a decimal exponent.</summary>
    private static Result ParseHex(ReadOnlySpan<char> s, bool negative, out double value)
    {
        value = 0;
        double mantissa = 0;
        var scale = 0;
        var digits = false;
        var dot = false;
        var i = 0;
        for (; i < s.Length && (s[i] | 0x20) != 'p'; i++)
        {
            var c = s[i];
            if (c == '_')
            {
                // Between two digits, or between the 0x prefix and a digit.
                if ((i > 0 && !char.IsAsciiHexDigit(s[i - 1])) || i + 1 >= s.Length || !char.IsAsciiHexDigit(s[i + 1]))
                    return Result.Syntax;
                continue;
            }
            if (c == '.' && !dot)
            {
                dot = true;
                continue;
            }
            if (!char.IsAsciiHexDigit(c))
                return Result.Syntax;
            digits = true;
            mantissa = mantissa * 16 + Convert.ToInt32(c.ToString(), 16);
            if (dot)
                scale -= 4;
        }
        // Go requires the 'p' exponent in a hexadecimal float.
        if (!digits || i >= s.Length)
            return Result.Syntax;
        var exp = s[(i + 1)..];
        if (!int.TryParse(exp, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var e))
            return Result.Syntax;
        value = mantissa * Math.Pow(2, e + scale);
        if (negative)
            value = -value;
        return double.IsInfinity(value) ? Result.Range : Result.Ok;
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

    /// <summary>Go's error text for a value that does not parse: invalid syntax, or value out of range.</summary>
    public static string SyntaxError(string s) =>
        $"strconv.ParseFloat: parsing {GoQuote.Quote(s)}: {(Parse(s, out _) == Result.Range ? "value out of range" : "invalid syntax")}";
}
