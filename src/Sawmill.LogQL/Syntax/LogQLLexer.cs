using System.Globalization;
using System.Text;
using Sawmill.Core;
using Sawmill.GoCompat;

namespace Sawmill.LogQL.Syntax;

/// <summary>
/// Span-based lexer over the query text: one forward pass, tokens are positions into the text. Linear time
/// in the input length. Errors are <see cref="ParseException"/> with Loki's line/column (1-based, bytes of the line).
/// </summary>
internal static class LogQLLexer
{
    public static List<Token> Tokenize(string text)
    {
        var tokens = new List<Token>();
        var s = text.AsSpan();
        var i = 0;
        while (true)
        {
            // Whitespace and # comments.
            while (i < s.Length)
            {
                if (char.IsWhiteSpace(s[i]))
                {
                    i++;
                }
                else if (s[i] == '#')
                {
                    while (i < s.Length && s[i] != '\n')
                        i++;
                }
                else
                {
                    break;
                }
            }
            if (i >= s.Length)
            {
                tokens.Add(new Token(TokenKind.End, s.Length, s.Length, ""));
                return tokens;
            }
            var start = i;
            var c = s[i];
            switch (c)
            {
                case '{': tokens.Add(new Token(TokenKind.LBrace, i, ++i, "{")); continue;
                case '}': tokens.Add(new Token(TokenKind.RBrace, i, ++i, "}")); continue;
                case '(': tokens.Add(new Token(TokenKind.LParen, i, ++i, "(")); continue;
                case ')': tokens.Add(new Token(TokenKind.RParen, i, ++i, ")")); continue;
                case ',': tokens.Add(new Token(TokenKind.Comma, i, ++i, ",")); continue;
                case '+': tokens.Add(new Token(TokenKind.Add, i, ++i, "+")); continue;
                case '-':
                    tokens.Add(new Token(TokenKind.Sub, i, ++i, "-"));
                    continue;
                case '*': tokens.Add(new Token(TokenKind.Mul, i, ++i, "*")); continue;
                case '/': tokens.Add(new Token(TokenKind.Div, i, ++i, "/")); continue;
                case '%': tokens.Add(new Token(TokenKind.Mod, i, ++i, "%")); continue;
                case '^': tokens.Add(new Token(TokenKind.Pow, i, ++i, "^")); continue;
                case '=':
                    if (Next(s, i) == '~') { tokens.Add(new Token(TokenKind.RegexMatch, i, i += 2, "=~")); continue; }
                    if (Next(s, i) == '=') { tokens.Add(new Token(TokenKind.CmpEq, i, i += 2, "==")); continue; }
                    tokens.Add(new Token(TokenKind.Assign, i, ++i, "="));
                    continue;
                case '!':
                    if (Next(s, i) == '=') { tokens.Add(new Token(TokenKind.NotEq, i, i += 2, "!=")); continue; }
                    if (Next(s, i) == '~') { tokens.Add(new Token(TokenKind.NotRegexMatch, i, i += 2, "!~")); continue; }
                    if (Next(s, i) == '>') { tokens.Add(new Token(TokenKind.NotPattern, i, i += 2, "!>")); continue; }
                    throw Error(text, i, "syntax error: unexpected !");
                case '|':
                    if (Next(s, i) == '=') { tokens.Add(new Token(TokenKind.PipeExact, i, i += 2, "|=")); continue; }
                    if (Next(s, i) == '~') { tokens.Add(new Token(TokenKind.PipeMatch, i, i += 2, "|~")); continue; }
                    if (Next(s, i) == '>') { tokens.Add(new Token(TokenKind.PipePattern, i, i += 2, "|>")); continue; }
                    tokens.Add(new Token(TokenKind.Pipe, i, ++i, "|"));
                    continue;
                case '>':
                    if (Next(s, i) == '=') { tokens.Add(new Token(TokenKind.Gte, i, i += 2, ">=")); continue; }
                    tokens.Add(new Token(TokenKind.Gt, i, ++i, ">"));
                    continue;
                case '<':
                    if (Next(s, i) == '=') { tokens.Add(new Token(TokenKind.Lte, i, i += 2, "<=")); continue; }
                    tokens.Add(new Token(TokenKind.Lt, i, ++i, "<"));
                    continue;
                case '"':
                    tokens.Add(LexQuoted(text, ref i));
                    continue;
                case '`':
                {
                    var end = s[(i + 1)..].IndexOf('`');
                    if (end < 0)
                        throw Error(text, i, "literal not terminated");
                    var value = text.Substring(i + 1, end);
                    i += end + 2;
                    tokens.Add(new Token(TokenKind.String, start, i, value));
                    continue;
                }
                case '[':
                    tokens.Add(LexRange(text, ref i));
                    continue;
            }
            if (char.IsAsciiDigit(c) || (c == '.' && char.IsAsciiDigit(Next(s, i))))
            {
                tokens.Add(LexNumber(text, ref i));
                continue;
            }
            if (IsIdentStart(c))
            {
                while (i < s.Length && IsIdentPart(s[i]))
                    i++;
                tokens.Add(new Token(TokenKind.Identifier, start, i, text[start..i]));
                continue;
            }
            throw Error(text, i, "syntax error: unexpected " + DescribeChar(s, i));
        }
    }

    private static string DescribeChar(ReadOnlySpan<char> s, int i)
    {
        var r = Rune.DecodeFromUtf16(s[i..], out var rune, out _);
        return r == System.Buffers.OperationStatus.Done ? rune.ToString() : s[i].ToString();
    }

    public static bool IsIdentStart(char c) => char.IsAsciiLetter(c) || c == '_';

    public static bool IsIdentPart(char c) => char.IsAsciiLetterOrDigit(c) || c == '_';

    private static char Next(ReadOnlySpan<char> s, int i) => i + 1 < s.Length ? s[i + 1] : '\0';

    private static Token LexQuoted(string text, ref int i)
    {
        var start = i;
        var sb = new StringBuilder();
        if (!GoQuote.TryUnquote(text, ref i, sb, out var error))
            throw Error(text, start, error == UnquoteError.Unterminated ? "literal not terminated" : "invalid syntax");
        return new Token(TokenKind.String, start, i, sb.ToString());
    }

    private static Token LexRange(string text, ref int i)
    {
        var start = i;
        var close = text.IndexOf(']', i);
        if (close < 0)
            throw Error(text, start, "missing closing ']' in duration");
        var inner = text.AsSpan(i + 1, close - i - 1).Trim();
        if (!GoDuration.TryParse(inner, out var ns))
            throw Error(text, start, UnknownDuration(inner.ToString()));
        i = close + 1;
        return new Token(TokenKind.Range, start, i, text[start..i], Nanos: ns);
    }

    /// <summary>Go's time.ParseDuration wording for a bad duration.</summary>
    internal static string UnknownDuration(string s)
    {
        var j = 0;
        while (j < s.Length && (char.IsAsciiDigit(s[j]) || s[j] == '.'))
            j++;
        if (j == 0 || j == s.Length)
            return s.Length > 0 && j == s.Length && s != "0"
                ? $"time: missing unit in duration \"{s}\""
                : $"time: invalid duration \"{s}\"";
        var k = j;
        while (k < s.Length && !char.IsAsciiDigit(s[k]) && s[k] != '.')
            k++;
        return $"time: unknown unit \"{s[j..k]}\" in duration \"{s}\"";
    }

    private static Token LexNumber(string text, ref int i)
    {
        var start = i;
        var s = text.AsSpan();
        if (s[i] == '0' && i + 1 < s.Length && (s[i + 1] is 'x' or 'X') && i + 2 < s.Length && char.IsAsciiHexDigit(s[i + 2]))
        {
            i += 2;
            while (i < s.Length && char.IsAsciiHexDigit(s[i]))
                i++;
            var hex = long.Parse(s[(start + 2)..i], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            return new Token(TokenKind.Number, start, i, text[start..i], hex);
        }
        while (i < s.Length && (char.IsAsciiDigit(s[i]) || s[i] == '.'))
            i++;
        // Exponent: 1e3, 2.5E-4 (only when digits follow).
        if (i < s.Length && (s[i] is 'e' or 'E'))
        {
            var j = i + 1;
            if (j < s.Length && (s[j] is '+' or '-'))
                j++;
            if (j < s.Length && char.IsAsciiDigit(s[j]))
            {
                while (j < s.Length && char.IsAsciiDigit(s[j]))
                    j++;
                if (j >= s.Length || !char.IsAsciiLetter(s[j]))
                {
                    i = j;
                    return MakeNumber(text, start, i);
                }
            }
        }
        if (i < s.Length && (char.IsAsciiLetter(s[i]) || s[i] is 'µ' or 'μ'))
        {
            // A unit follows: a duration (5m, 1h30m) or a byte size (20MB, 1KiB).
            var j = i;
            while (j < s.Length && (char.IsAsciiLetterOrDigit(s[j]) || s[j] is '.' or 'µ' or 'μ'))
                j++;
            var word = s[start..j];
            if (GoDuration.TryParse(word, out var ns))
            {
                i = j;
                return new Token(TokenKind.Duration, start, i, text[start..i], Nanos: ns);
            }
            if (ByteSize.TryParse(word, out var bytes))
            {
                i = j;
                return new Token(TokenKind.Bytes, start, i, text[start..i], bytes);
            }
            i = j;
            throw Error(text, start, UnknownDuration(word.ToString()));
        }
        return MakeNumber(text, start, i);
    }

    private static Token MakeNumber(string text, int start, int end)
    {
        var raw = text[start..end];
        if (!double.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out var v))
            throw Error(text, start, $"unable to parse literal as a float: strconv.ParseFloat: parsing \"{raw}\": invalid syntax");
        return new Token(TokenKind.Number, start, end, raw, v);
    }

    /// <summary>Builds Loki's <c>parse error at line L, col C: msg</c> for a position in the text.</summary>
    public static ParseException Error(string text, int pos, string message)
    {
        var (line, col) = Position(text, pos);
        return new ParseException($"parse error at line {line}, col {col}: {message}", line, col);
    }

    public static (int Line, int Col) Position(string text, int pos)
    {
        var line = 1;
        var lineStart = 0;
        for (var k = 0; k < pos && k < text.Length; k++)
        {
            if (text[k] == '\n')
            {
                line++;
                lineStart = k + 1;
            }
        }
        // Columns count UTF-8 bytes like Go's scanner.
        var col = Encoding.UTF8.GetByteCount(text.AsSpan(lineStart, Math.Min(pos, text.Length) - lineStart)) + 1;
        return (line, col);
    }
}
