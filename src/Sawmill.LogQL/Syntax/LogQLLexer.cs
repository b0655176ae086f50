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
    /// <summary>
    /// Splits the query as Loki's lexer does (Go's text/scanner with Loki's rules on top): Go whitespace only, Go
    /// comments skipped like <c>#</c> ones, identifiers of Unicode letters and digits, a number followed by unit
    /// letters is a duration or a byte size only when the whole run parses as one, and any other character is an
    /// identifier token. Errors the scanner reports without stopping (a bad octal digit) go to
    /// <paramref name="scanErrors"/> with the index of the token they belong to.
    /// </summary>
    public static List<Token> Tokenize(string text, List<(int Token, ParseException Error)>? scanErrors = null)
    {
        var tokens = new List<Token>();
        var s = text.AsSpan();
        var i = 0;
        while (true)
        {
            // Whitespace, # comments and Go comments.
            while (i < s.Length)
            {
                if (s[i] is ' ' or '\t' or '\n' or '\r')
                {
                    i++;
                }
                else if (s[i] == '#' || (s[i] == '/' && Next(s, i) == '/'))
                {
                    while (i < s.Length && s[i] != '\n')
                        i++;
                }
                else if (s[i] == '/' && Next(s, i) == '*')
                {
                    var close = text.IndexOf("*/", i + 2, StringComparison.Ordinal);
                    if (close < 0)
                        throw Error(text, i, "comment not terminated");
                    i = close + 2;
                }
                else
                {
                    break;
                }
            }
            if (i >= s.Length)
            {
                tokens.Add(new Token(TokenKind.End, s.Length, s.Length, ""));
                LowerKeywords(tokens);
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
                case ']': tokens.Add(new Token(TokenKind.RBracket, i, ++i, "]")); continue;
                case '+': tokens.Add(new Token(TokenKind.Add, i, ++i, "+")); continue;
                case '-':
                    // Loki's parser flags: "--" and a run of letters and '-' that is one of them.
                    if (Next(s, i) == '-')
                    {
                        var f = i + 2;
                        while (f < s.Length && (char.IsLetter(s[f]) || s[f] == '-'))
                            f++;
                        if (text[i..f] is "--strict" or "--keep-empty")
                        {
                            tokens.Add(new Token(TokenKind.Flag, i, f, text[i..f], NoLine: true));
                            i = f;
                            continue;
                        }
                    }
                    // A negative duration (offset -5m, > -1s) is one token when the run after '-' parses as one.
                    if (TryUnitRun(text, i + 1, "-", IsDurationRune, TryLokiDuration, out var negEnd, out var negNs, out _))
                    {
                        tokens.Add(new Token(TokenKind.Duration, i, negEnd, text[i..negEnd], Nanos: negNs, NoLine: true));
                        i = negEnd;
                        continue;
                    }
                    tokens.Add(new Token(TokenKind.Sub, i, ++i, "-"));
                    continue;
                case '*': tokens.Add(new Token(TokenKind.Mul, i, ++i, "*")); continue;
                case '/': tokens.Add(new Token(TokenKind.Div, i, ++i, "/")); continue;
                case '%': tokens.Add(new Token(TokenKind.Mod, i, ++i, "%")); continue;
                case '^': tokens.Add(new Token(TokenKind.Pow, i, ++i, "^")); continue;
                case '.' when !char.IsAsciiDigit(Next(s, i)): tokens.Add(new Token(TokenKind.Dot, i, ++i, ".")); continue;
                // Loki's lexer extends a one-character token by the next one through the scanner's Next, which leaves
                // the token's reported line 0 (hence NoLine).
                case '=':
                    if (Next(s, i) == '~') { tokens.Add(new Token(TokenKind.RegexMatch, i, i += 2, "=~", NoLine: true)); continue; }
                    if (Next(s, i) == '=') { tokens.Add(new Token(TokenKind.CmpEq, i, i += 2, "==", NoLine: true)); continue; }
                    tokens.Add(new Token(TokenKind.Assign, i, ++i, "="));
                    continue;
                case '!':
                    if (Next(s, i) == '=') { tokens.Add(new Token(TokenKind.NotEq, i, i += 2, "!=", NoLine: true)); continue; }
                    if (Next(s, i) == '~') { tokens.Add(new Token(TokenKind.NotRegexMatch, i, i += 2, "!~", NoLine: true)); continue; }
                    if (Next(s, i) == '>') { tokens.Add(new Token(TokenKind.NotPattern, i, i += 2, "!>", NoLine: true)); continue; }
                    break;
                case '|':
                    if (Next(s, i) == '=') { tokens.Add(new Token(TokenKind.PipeExact, i, i += 2, "|=", NoLine: true)); continue; }
                    if (Next(s, i) == '~') { tokens.Add(new Token(TokenKind.PipeMatch, i, i += 2, "|~", NoLine: true)); continue; }
                    if (Next(s, i) == '>') { tokens.Add(new Token(TokenKind.PipePattern, i, i += 2, "|>", NoLine: true)); continue; }
                    tokens.Add(new Token(TokenKind.Pipe, i, ++i, "|"));
                    continue;
                case '>':
                    if (Next(s, i) == '=') { tokens.Add(new Token(TokenKind.Gte, i, i += 2, ">=", NoLine: true)); continue; }
                    tokens.Add(new Token(TokenKind.Gt, i, ++i, ">"));
                    continue;
                case '<':
                    if (Next(s, i) == '=') { tokens.Add(new Token(TokenKind.Lte, i, i += 2, "<=", NoLine: true)); continue; }
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
            if (char.IsAsciiDigit(c) || c == '.')
            {
                tokens.Add(LexNumber(text, ref i, tokens.Count, scanErrors));
                continue;
            }
            if (IsIdentStart(text, i))
            {
                while (i < s.Length && IsIdentPart(text, i))
                    i += char.IsHighSurrogate(s[i]) && i + 1 < s.Length ? 2 : 1;
                tokens.Add(new Token(TokenKind.Identifier, start, i, text[start..i]));
                continue;
            }
            // Any other character (a char literal included) is an identifier to Loki's parser.
            if (c == '\'')
            {
                var close = text.IndexOf('\'', i + 1);
                i = close < 0 ? s.Length : close + 1;
            }
            else
            {
                i += char.IsHighSurrogate(c) && i + 1 < s.Length ? 2 : 1;
            }
            tokens.Add(new Token(TokenKind.Identifier, start, i, text[start..i], Other: true));
        }
    }

    /// <summary>
    /// Loki 3 reads keywords in any case (<c>SUM(…)</c>, <c>| JSON</c>): a word whose lower case is a keyword becomes
    /// that keyword; a function word only where a call follows, otherwise it stays an identifier as written.
    /// </summary>
    private static void LowerKeywords(List<Token> tokens)
    {
        for (var k = 0; k < tokens.Count; k++)
        {
            var t = tokens[k];
            if (t.Kind != TokenKind.Identifier || t.Other || !t.Text.Any(char.IsUpper))
                continue;
            var lower = t.Text.ToLowerInvariant();
            if (!LogQLNames.Keywords.Contains(lower))
                continue;
            if (LogQLNames.FunctionWords.Contains(lower))
            {
                var next = k + 1 < tokens.Count ? tokens[k + 1] : default;
                var call = next.Kind == TokenKind.LParen ||
                           (next.Kind == TokenKind.Identifier && next.Text.ToLowerInvariant() is "by" or "without" &&
                            k + 2 < tokens.Count && tokens[k + 2].Kind == TokenKind.LParen);
                if (!call)
                    continue;
            }
            tokens[k] = t with { Text = lower };
        }
    }

    private static bool IsDurationRune(char c) => c is 'n' or 'u' or 'µ' or 'm' or 's' or 'h' or 'd' or 'w' or 'y';

    private static bool IsBytesRune(char c) => c is 'B' or 'i' or 'k' or 'K' or 'M' or 'G' or 'T' or 'P';

    /// <summary>
    /// Loki's tryScanDuration/tryScanBytes: after a number (<paramref name="prefix"/>), the run of digits, '.' and unit
    /// letters up to a space; it is taken only when not empty and <paramref name="parse"/> accepts the whole text.
    /// </summary>
    private static bool TryUnitRun(string text, int from, string prefix, Func<char, bool> isUnit, TryParseUnit parse,
        out int end, out long nanos, out double number)
    {
        end = from;
        nanos = 0;
        number = 0;
        var j = from;
        while (j < text.Length && !(text[j] is ' ' or '\t' or '\n' or '\r') && (char.IsDigit(text[j]) || isUnit(text[j]) || text[j] == '.'))
            j++;
        if (j == from || !parse(prefix + text[from..j], out nanos, out number))
            return false;
        end = j;
        return true;
    }

    private delegate bool TryParseUnit(string s, out long nanos, out double number);

    /// <summary>Loki's parseDuration: Prometheus's model.ParseDuration first, then Go's time.ParseDuration.</summary>
    private static bool TryLokiDuration(string s, out long nanos, out double number)
    {
        number = 0;
        return GoDuration.TryParsePrometheus(s, out nanos) || GoDuration.TryParse(s, out nanos);
    }

    private static bool TryBytes(string s, out long nanos, out double number)
    {
        nanos = 0;
        return ByteSize.TryParse(s, out number);
    }

    public static bool IsIdentStart(string s, int i) => s[i] == '_' || Rune.TryGetRuneAt(s, i, out var r) && Rune.IsLetter(r);

    public static bool IsIdentPart(string s, int i) => s[i] == '_' || Rune.TryGetRuneAt(s, i, out var r) && (Rune.IsLetter(r) || Rune.IsDigit(r));

    private static char Next(ReadOnlySpan<char> s, int i) => i + 1 < s.Length ? s[i + 1] : '\0';

    private static Token LexQuoted(string text, ref int i)
    {
        var start = i;
        var sb = new StringBuilder();
        if (!GoQuote.TryUnquote(text, ref i, sb, out var error))
            throw Error(text, start, error switch
            {
                UnquoteError.Unterminated => "literal not terminated",
                UnquoteError.InvalidEscape => "invalid char escape",
                _ => "invalid syntax",
            });
        return new Token(TokenKind.String, start, i, sb.ToString());
    }

    /// <summary>
    /// <c>[…]</c>: everything up to the first ']' as is, parsed with Prometheus's model.ParseDuration. Errors are
    /// reported at the '[' with line 0, as Loki's lexer (which reads the range with the scanner's Next) does.
    /// </summary>
    private static Token LexRange(string text, ref int i)
    {
        var start = i;
        var close = text.IndexOf(']', i);
        if (close < 0)
            throw ErrorNoLine(text, start, "missing closing ']' in duration");
        var inner = text[(i + 1)..close];
        if (GoDuration.PrometheusError(inner, out var ns) is { } error)
            throw ErrorNoLine(text, start, error);
        i = close + 1;
        return new Token(TokenKind.Range, start, i, text[start..i], Nanos: ns, NoLine: true);
    }

    /// <summary>
    /// A number as Go's text/scanner reads it (0x, 0o, 0b and leading-0 octal prefixes, '_' separators, a fraction,
    /// an e or p exponent), then, as Loki's lexer, a duration or byte size when the unit run after it parses as one.
    /// The scanner's complaints (a bad octal digit) do not stop lexing: they go to <paramref name="scanErrors"/>.
    /// </summary>
    private static Token LexNumber(string text, ref int i, int index, List<(int, ParseException)>? scanErrors)
    {
        var start = i;
        var error = ScanGoNumber(text, ref i);
        if (error != null)
            scanErrors?.Add((index, Error(text, start, error)));
        var number = text[start..i];
        if (TryUnitRun(text, i, number, IsDurationRune, TryLokiDuration, out var end, out var ns, out _))
        {
            i = end;
            return new Token(TokenKind.Duration, start, end, text[start..end], Nanos: ns, NoLine: true);
        }
        if (TryUnitRun(text, i, number, IsBytesRune, TryBytes, out end, out _, out var bytes))
        {
            i = end;
            return new Token(TokenKind.Bytes, start, end, text[start..end], bytes, NoLine: true);
        }
        return MakeNumber(text, start, i);
    }

    /// <summary>Go's text/scanner number scan; returns its first complaint, if any.</summary>
    private static string? ScanGoNumber(string s, ref int i)
    {
        var start = i;
        string? error = null;
        var @base = 10;
        var prefix = '\0';
        var digsep = 0;
        var invalid = '\0';
        var isFloat = false;
        var seenDot = s[i] == '.';
        if (seenDot)
        {
            i++;
        }
        else
        {
            if (s[i] == '0')
            {
                i++;
                switch (i < s.Length ? char.ToLowerInvariant(s[i]) : '\0')
                {
                    case 'x': i++; (@base, prefix) = (16, 'x'); break;
                    case 'o': i++; (@base, prefix) = (8, 'o'); break;
                    case 'b': i++; (@base, prefix) = (2, 'b'); break;
                    default: (@base, prefix) = (8, '0'); digsep = 1; break;
                }
            }
            digsep |= Digits(s, ref i, @base, ref invalid);
            if (i < s.Length && s[i] == '.')
            {
                i++;
                seenDot = true;
            }
        }
        if (seenDot)
        {
            isFloat = true;
            if (prefix is 'o' or 'b')
                error ??= "invalid radix point in " + LiteralName(prefix);
            digsep |= Digits(s, ref i, @base, ref invalid);
        }
        if ((digsep & 1) == 0)
            error ??= LiteralName(prefix) + " has no digits";
        var e = i < s.Length ? char.ToLowerInvariant(s[i]) : '\0';
        if (e is 'e' or 'p')
        {
            if (e == 'e' && prefix is not ('\0' or '0'))
                error ??= $"'{s[i]}' exponent requires decimal mantissa";
            else if (e == 'p' && prefix != 'x')
                error ??= $"'{s[i]}' exponent requires hexadecimal mantissa";
            i++;
            isFloat = true;
            if (i < s.Length && s[i] is '+' or '-')
                i++;
            var none = '\0';
            var ds = Digits(s, ref i, 10, ref none);
            digsep |= ds;
            if ((ds & 1) == 0)
                error ??= "exponent has no digits";
        }
        else if (prefix == 'x' && isFloat)
        {
            error ??= "hexadecimal mantissa requires a 'p' exponent";
        }
        if (!isFloat && invalid != '\0')
            error ??= $"invalid digit '{invalid}' in {LiteralName(prefix)}";
        if ((digsep & 2) != 0 && InvalidSeparator(s[start..i]))
            error ??= "'_' must separate successive digits";
        return error;
    }

    /// <summary>Go's invalidSep: a '_' not between two digits (a base prefix counts as a digit).</summary>
    private static bool InvalidSeparator(string x)
    {
        var x1 = ' ';
        var d = '.';
        var i = 0;
        if (x.Length >= 2 && x[0] == '0')
        {
            x1 = char.ToLowerInvariant(x[1]);
            if (x1 is 'x' or 'o' or 'b')
            {
                d = '0';
                i = 2;
            }
        }
        for (; i < x.Length; i++)
        {
            var p = d;
            d = x[i];
            if (d == '_')
            {
                if (p != '0')
                    return true;
            }
            else if (char.IsAsciiDigit(d) || (x1 == 'x' && char.IsAsciiHexDigit(d)))
            {
                d = '0';
            }
            else
            {
                if (p == '_')
                    return true;
                d = '.';
            }
        }
        return d == '_';
    }

    private static int Digits(string s, ref int i, int @base, ref char invalid)
    {
        var digsep = 0;
        if (@base <= 10)
        {
            var max = (char)('0' + @base);
            while (i < s.Length && (char.IsAsciiDigit(s[i]) || s[i] == '_'))
            {
                var ds = 1;
                if (s[i] == '_')
                    ds = 2;
                else if (s[i] >= max && invalid == '\0')
                    invalid = s[i];
                digsep |= ds;
                i++;
            }
        }
        else
        {
            while (i < s.Length && (char.IsAsciiHexDigit(s[i]) || s[i] == '_'))
            {
                digsep |= s[i] == '_' ? 2 : 1;
                i++;
            }
        }
        return digsep;
    }

    private static string LiteralName(char prefix) => prefix switch
    {
        'x' => "hexadecimal literal",
        'o' or '0' => "octal literal",
        'b' => "binary literal",
        _ => "decimal literal",
    };

    private static Token MakeNumber(string text, int start, int end)
    {
        var raw = text[start..end];
        // Go's ParseFloat answers 0 for bad syntax and ±Inf out of range; both are errors where Loki checks them.
        var ok = GoFloat.TryParse(raw, out var v);
        return new Token(TokenKind.Number, start, end, raw, ok ? v : double.IsInfinity(v) ? v : 0, Invalid: !ok);
    }

    /// <summary>Builds Loki's <c>parse error at line L, col C: msg</c> for a position in the text.</summary>
    public static ParseException Error(string text, int pos, string message)
    {
        var (line, col) = Position(text, pos);
        return new ParseException($"parse error at line {line}, col {col}: {message}", line, col);
    }

    /// <summary>As <see cref="Error"/> with line 0: Loki's position of a token its lexer extended with Next.</summary>
    public static ParseException ErrorNoLine(string text, int pos, string message)
    {
        var (_, col) = Position(text, pos);
        return new ParseException($"parse error at line 0, col {col}: {message}", 0, col);
    }

    /// <summary>Line and column (1-based) of a text position; columns count characters (runes), as Go's scanner.</summary>
    public static (int Line, int Col) Position(string text, int pos)
    {
        var line = 1;
        var col = 1;
        for (var k = 0; k < pos && k < text.Length; k++)
        {
            if (text[k] == '\n')
            {
                line++;
                col = 1;
            }
            else if (!char.IsLowSurrogate(text[k]))
            {
                col++;
            }
        }
        return (line, col);
    }
}
