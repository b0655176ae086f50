using System.Globalization;
using System.Text;

namespace Sawmill.GoCompat;

/// <summary>Why a Go string literal could not be read.</summary>
public enum UnquoteError
{
    None,

    /// <summary>The input ended, or (in <c>"…"</c> and <c>'…'</c>) a line ended, before the closing quote.</summary>
    Unterminated,

    /// <summary>A backslash sequence Go does not accept (Go's <c>strconv.ErrSyntax</c>, "invalid syntax").</summary>
    InvalidSyntax,
}

/// <summary>
/// Go string literals: <see cref="Quote(string)"/> as <c>strconv.Quote</c> writes them (Loki uses it when printing
/// labels), and <see cref="TryUnquote"/> as <c>strconv.Unquote</c> reads them — the one escape decoder for LogQL's
/// lexer, Go templates and label text.
/// </summary>
public static class GoQuote
{
    /// <summary>
    /// Reads the literal that starts at <paramref name="i"/> (a <c>"</c>, <c>'</c> or <c>`</c>) into
    /// <paramref name="sb"/> and leaves <paramref name="i"/> after its closing quote. Escapes follow Go's
    /// <c>strconv.UnquoteChar</c>: <c>\a \b \f \n \r \t \v \\</c>, the literal's own quote, <c>\xHH</c> and
    /// <c>\ooo</c> (one byte each, kept as the char of that value), <c>\uHHHH</c> and <c>\UHHHHHHHH</c> (valid runes
    /// only). Raw <c>`…`</c> literals take no escapes and may span lines.
    /// </summary>
    public static bool TryUnquote(string s, ref int i, StringBuilder sb, out UnquoteError error)
    {
        error = UnquoteError.None;
        var quote = s[i++];
        if (quote == '`')
        {
            var end = s.IndexOf('`', i);
            if (end < 0)
                return Fail(out error, UnquoteError.Unterminated);
            sb.Append(s, i, end - i);
            i = end + 1;
            return true;
        }
        while (true)
        {
            if (i >= s.Length || s[i] == '\n')
                return Fail(out error, UnquoteError.Unterminated);
            var c = s[i++];
            if (c == quote)
                return true;
            if (c != '\\')
            {
                sb.Append(c);
                continue;
            }
            if (i >= s.Length)
                return Fail(out error, UnquoteError.Unterminated);
            var e = s[i++];
            switch (e)
            {
                case 'a': sb.Append('\a'); break;
                case 'b': sb.Append('\b'); break;
                case 'f': sb.Append('\f'); break;
                case 'n': sb.Append('\n'); break;
                case 'r': sb.Append('\r'); break;
                case 't': sb.Append('\t'); break;
                case 'v': sb.Append('\v'); break;
                case '\\': sb.Append('\\'); break;
                case '"' or '\'' when e == quote: sb.Append(e); break;
                case 'x':
                    if (!Hex(s, ref i, 2, out var x))
                        return Fail(out error, UnquoteError.InvalidSyntax);
                    sb.Append((char)x);
                    break;
                case 'u' or 'U':
                    if (!Hex(s, ref i, e == 'u' ? 4 : 8, out var r) || r is < 0 or > 0x10FFFF or (>= 0xD800 and <= 0xDFFF))
                        return Fail(out error, UnquoteError.InvalidSyntax);
                    sb.Append(char.ConvertFromUtf32(r));
                    break;
                case >= '0' and <= '7':
                    var v = e - '0';
                    for (var k = 0; k < 2; k++)
                    {
                        if (i >= s.Length || s[i] is < '0' or > '7')
                            return Fail(out error, UnquoteError.InvalidSyntax);
                        v = v * 8 + (s[i++] - '0');
                    }
                    if (v > 255)
                        return Fail(out error, UnquoteError.InvalidSyntax);
                    sb.Append((char)v);
                    break;
                default:
                    return Fail(out error, UnquoteError.InvalidSyntax);
            }
        }
    }

    /// <summary>Go's <c>strconv.Unquote</c> of a whole literal; null when it is not one.</summary>
    public static string? Unquote(string literal)
    {
        if (literal.Length < 2)
            return null;
        var i = 0;
        var sb = new StringBuilder(literal.Length);
        return TryUnquote(literal, ref i, sb, out _) && i == literal.Length ? sb.ToString() : null;
    }

    private static bool Hex(string s, ref int i, int digits, out int value)
    {
        value = 0;
        if (i + digits > s.Length || !int.TryParse(s.AsSpan(i, digits), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out value))
            return false;
        i += digits;
        return true;
    }

    private static bool Fail(out UnquoteError error, UnquoteError what)
    {
        error = what;
        return false;
    }

    public static string Quote(string s)
    {
        var sb = new StringBuilder(s.Length + 2);
        Append(sb, s);
        return sb.ToString();
    }

    public static void Append(StringBuilder sb, string s)
    {
        sb.Append('"');
        foreach (var rune in s.EnumerateRunes())
        {
            switch (rune.Value)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\a': sb.Append("\\a"); break;
                case '\b': sb.Append("\\b"); break;
                case '\f': sb.Append("\\f"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                case '\v': sb.Append("\\v"); break;
                default:
                    if (rune.Value == 0xFFFD)
                    {
                        sb.Append("\\ufffd");
                    }
                    else if (Rune.GetUnicodeCategory(rune) is UnicodeCategory.Control or UnicodeCategory.Format
                             or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator
                             or UnicodeCategory.OtherNotAssigned or UnicodeCategory.Surrogate or UnicodeCategory.PrivateUse)
                    {
                        if (rune.Value < 0x80)
                            sb.Append("\\x").Append(rune.Value.ToString("x2", CultureInfo.InvariantCulture));
                        else if (rune.Value <= 0xFFFF)
                            sb.Append("\\u").Append(rune.Value.ToString("x4", CultureInfo.InvariantCulture));
                        else
                            sb.Append("\\U").Append(rune.Value.ToString("x8", CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        sb.Append(rune.ToString());
                    }
                    break;
            }
        }
        sb.Append('"');
    }
}
