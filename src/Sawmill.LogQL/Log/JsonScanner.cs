using System.Buffers;
using System.Text;

namespace Sawmill.LogQL.Log;

/// <summary>
/// Minimal span-based JSON scanning over UTF-8 for the parsers: skipping values, finding string ends and
/// unescaping. Positions are byte offsets; every method returns -1 on malformed input instead of throwing.
/// </summary>
internal static class JsonScanner
{
    private static readonly SearchValues<byte> QuoteOrBackslash = SearchValues.Create("\"\\"u8);
    private static readonly SearchValues<byte> StringOrBrackets = SearchValues.Create("\"{}[]"u8);
    private static readonly SearchValues<byte> NumberChars = SearchValues.Create("+-0123456789.eE"u8);

    public static int SkipWhitespace(ReadOnlySpan<byte> s, int i)
    {
        while (i < s.Length && s[i] is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\r')
            i++;
        return i;
    }

    /// <summary>With <paramref name="i"/> just after an opening quote: the index of the closing quote, or -1. <paramref name="escaped"/> tells whether a backslash occurred.</summary>
    public static int StringEnd(ReadOnlySpan<byte> s, int i, out bool escaped)
    {
        escaped = false;
        while (true)
        {
            var j = s[i..].IndexOfAny(QuoteOrBackslash);
            if (j < 0)
                return -1;
            i += j;
            if (s[i] == '"')
                return i;
            escaped = true;
            i += 2;
            if (i > s.Length)
                return -1;
        }
    }

    /// <summary>Skips one value starting at <paramref name="i"/> (no leading whitespace); returns the index after it or -1.</summary>
    public static int SkipValue(ReadOnlySpan<byte> s, int i)
    {
        if (i >= s.Length)
            return -1;
        switch (s[i])
        {
            case (byte)'"':
                var e = StringEnd(s, i + 1, out _);
                return e < 0 ? -1 : e + 1;
            case (byte)'{':
            case (byte)'[':
                return SkipContainer(s, i);
            case (byte)'t':
                return s[i..].StartsWith("true"u8) ? i + 4 : -1;
            case (byte)'f':
                return s[i..].StartsWith("false"u8) ? i + 5 : -1;
            case (byte)'n':
                return s[i..].StartsWith("null"u8) ? i + 4 : -1;
            default:
                var n = s[i..].IndexOfAnyExcept(NumberChars);
                var end = n < 0 ? s.Length : i + n;
                return end == i ? -1 : end;
        }
    }

    private static int SkipContainer(ReadOnlySpan<byte> s, int i)
    {
        var depth = 0;
        while (i < s.Length)
        {
            var j = s[i..].IndexOfAny(StringOrBrackets);
            if (j < 0)
                return -1;
            i += j;
            switch (s[i])
            {
                case (byte)'"':
                    var e = StringEnd(s, i + 1, out _);
                    if (e < 0)
                        return -1;
                    i = e + 1;
                    continue;
                case (byte)'{':
                case (byte)'[':
                    depth++;
                    break;
                default:
                    depth--;
                    if (depth == 0)
                        return i + 1;
                    break;
            }
            i++;
        }
        return -1;
    }

    /// <summary>
    /// jsonparser's blockEnd: from an opening <paramref name="open"/> at <paramref name="i"/>, the index after the
    /// <paramref name="close"/> that balances it (strings skipped, other brackets not checked), or -1.
    /// </summary>
    public static int BlockEnd(ReadOnlySpan<byte> s, int i, byte open, byte close)
    {
        var level = 0;
        while (i < s.Length)
        {
            var c = s[i];
            if (c == '"')
            {
                var e = StringEnd(s, i + 1, out _);
                if (e < 0)
                    return -1;
                i = e + 1;
                continue;
            }
            if (c == open)
                level++;
            else if (c == close && --level == 0)
                return i + 1;
            i++;
        }
        return -1;
    }

    /// <summary>jsonparser's tokenEnd: the index of the next space, tab, CR, LF, ',', '}' or ']' (or the end).</summary>
    public static int TokenEnd(ReadOnlySpan<byte> s, int i)
    {
        var n = s[i..].IndexOfAny(TokenDelimiters);
        return n < 0 ? s.Length : i + n;
    }

    private static readonly SearchValues<byte> TokenDelimiters = SearchValues.Create(" \t\r\n,}]"u8);

    /// <summary>Unescapes a JSON string body into <paramref name="buffer"/> (grown as needed); false on a bad escape.</summary>
    public static bool Unescape(ReadOnlySpan<byte> s, ref byte[] buffer, out int length)
    {
        length = 0;
        if (buffer.Length < s.Length)
            buffer = new byte[Math.Max(s.Length, buffer.Length * 2)];
        var o = 0;
        for (var i = 0; i < s.Length; i++)
        {
            var c = s[i];
            if (c != '\\')
            {
                buffer[o++] = c;
                continue;
            }
            if (++i >= s.Length)
                return false;
            switch (s[i])
            {
                case (byte)'"': buffer[o++] = (byte)'"'; break;
                case (byte)'\\': buffer[o++] = (byte)'\\'; break;
                case (byte)'/': buffer[o++] = (byte)'/'; break;
                case (byte)'b': buffer[o++] = 8; break;
                case (byte)'f': buffer[o++] = 12; break;
                case (byte)'n': buffer[o++] = (byte)'\n'; break;
                case (byte)'r': buffer[o++] = (byte)'\r'; break;
                case (byte)'t': buffer[o++] = (byte)'\t'; break;
                case (byte)'u':
                    if (!TryHex4(s, i + 1, out var cp))
                        return false;
                    i += 4;
                    if (char.IsHighSurrogate((char)cp) && i + 6 < s.Length && s[i + 1] == '\\' && s[i + 2] == 'u' && TryHex4(s, i + 3, out var lo) && char.IsLowSurrogate((char)lo))
                    {
                        cp = char.ConvertToUtf32((char)cp, (char)lo);
                        i += 6;
                    }
                    else if (char.IsSurrogate((char)cp))
                        cp = 0xFFFD;
                    // \u escapes expand to at most 4 UTF-8 bytes from 6 input bytes: never beyond the buffer.
                    o += new Rune(cp).EncodeToUtf8(buffer.AsSpan(o));
                    break;
                default:
                    return false;
            }
        }
        length = o;
        return true;
    }

    private static bool TryHex4(ReadOnlySpan<byte> s, int i, out int value)
    {
        value = 0;
        if (i + 4 > s.Length)
            return false;
        for (var k = 0; k < 4; k++)
        {
            var h = s[i + k];
            int d = h switch
            {
                >= (byte)'0' and <= (byte)'9' => h - '0',
                >= (byte)'a' and <= (byte)'f' => h - 'a' + 10,
                >= (byte)'A' and <= (byte)'F' => h - 'A' + 10,
                _ => -1,
            };
            if (d < 0)
                return false;
            value = value * 16 + d;
        }
        return true;
    }
}
