using System.Globalization;

namespace Sawmill.LogQL.Log;

/// <summary>
/// The expressions of <c>| json label="expr"</c> and <c>| logfmt label="expr"</c>, read as Loki's own small lexers
/// and grammars read them, with their errors (<c>cannot parse expression [b[]: syntax error: unexpected $end,
/// expecting STRING or INDEX</c>). A JSON path is fields (<c>[A-Za-z_][A-Za-z0-9_]*</c>) joined by dots,
/// <c>["key"]</c> and <c>[index]</c>, spaces ignored; a logfmt expression is one key or a quoted string. As in
/// Loki, a character its lexer does not know ends the input: the grammar's complaint about that end wins, otherwise
/// the lexer's.
/// </summary>
internal static class ExtractionExpressions
{
    private enum Tok { End, Dot, Lsb, Rsb, String, Field, Index, Key }

    private static string Name(Tok t) => t switch
    {
        Tok.End => "$end",
        Tok.Dot => "DOT",
        Tok.Lsb => "LSB",
        Tok.Rsb => "RSB",
        Tok.String => "STRING",
        Tok.Field => "FIELD",
        Tok.Index => "INDEX",
        _ => "KEY",
    };

    /// <summary>A JSON path: each element a string key or an int index.</summary>
    /// <exception cref="ArgumentException">Loki's error for the expression.</exception>
    public static List<object> ParseJsonPath(string expr)
    {
        var (tokens, lexError) = Lex(expr, json: true);
        var path = new List<object>();
        string? syntax = null;
        var state = 0; // 0 start, 1 after a value, 2 after '.', 3 after '[', 4 after '[' STRING, 5 after '[' INDEX
        foreach (var (tok, value) in tokens)
        {
            switch (state, tok)
            {
                case (0 or 1, Tok.Lsb):
                    state = 3;
                    continue;
                case (0 or 2, Tok.Field):
                    path.Add(value!);
                    state = 1;
                    continue;
                case (1, Tok.Dot):
                    state = 2;
                    continue;
                case (1, Tok.End):
                    state = -1;
                    continue;
                case (3, Tok.String):
                    path.Add(value!);
                    state = 4;
                    continue;
                case (3, Tok.Index):
                    path.Add(int.Parse((string)value!, CultureInfo.InvariantCulture));
                    state = 5;
                    continue;
                case (4 or 5, Tok.Rsb):
                    state = 1;
                    continue;
            }
            var expecting = state switch
            {
                0 => "LSB or FIELD",
                2 => "FIELD",
                3 => "STRING or INDEX",
                4 or 5 => "RSB",
                _ => null,
            };
            syntax = $"syntax error: unexpected {Name(tok)}" + (expecting == null ? "" : ", expecting " + expecting);
            break;
        }
        var error = syntax ?? lexError;
        if (error != null)
            throw new ArgumentException($"cannot parse expression [{expr}]: {error}");
        return path;
    }

    /// <summary>The logfmt key an expression names (a bare key or a quoted string).</summary>
    /// <exception cref="ArgumentException">Loki's error for the expression.</exception>
    public static string ParseLogfmtKey(string expr)
    {
        var (tokens, lexError) = Lex(expr, json: false);
        string? syntax = null;
        string? key = null;
        var state = 0; // 0 start, 1 after a key, 2 after strings
        foreach (var (tok, value) in tokens)
        {
            switch (state, tok)
            {
                case (0, Tok.Key):
                    key = value;
                    state = 1;
                    continue;
                case (0 or 1 or 2, Tok.String):
                    key ??= value;
                    state = 2;
                    continue;
                case (1 or 2, Tok.End):
                    continue;
            }
            syntax = $"syntax error: unexpected {Name(tok)}" + (state == 0 ? ", expecting STRING or KEY" : "");
            break;
        }
        var error = syntax ?? lexError;
        if (error != null)
            throw new ArgumentException($"cannot parse expression [{expr}]: {error}");
        return key!;
    }

    /// <summary>Loki's expression lexer: tokens up to the end or the first character it refuses (then its error).</summary>
    private static (List<(Tok, string?)> Tokens, string? Error) Lex(string s, bool json)
    {
        var tokens = new List<(Tok, string?)>();
        string? error = null;
        var i = 0;
        while (true)
        {
            while (i < s.Length && s[i] is ' ' or '\t' or '\n')
                i++;
            if (i >= s.Length || s[i] == '\0')
                break;
            var c = s[i];
            if (json && char.IsAsciiDigit(c))
            {
                var start = i;
                while (i < s.Length && !(s[i] is ' ' or '\t' or '\n' or '.' or ']'))
                {
                    if (!char.IsAsciiDigit(s[i]))
                    {
                        error = $"non-integer value: {s[i]}";
                        break;
                    }
                    i++;
                }
                if (error == null && i >= s.Length)
                    error = "non-integer value: \0";
                if (error == null && s[i] == '.')
                    error = "cannot use float as array index";
                if (error == null && !int.TryParse(s.AsSpan(start, i - start), NumberStyles.None, CultureInfo.InvariantCulture, out _))
                    error = $"strconv.Atoi: parsing \"{s[start..i]}\": value out of range";
                if (error != null)
                    break;
                tokens.Add((Tok.Index, s[start..i]));
                continue;
            }
            if (json && c == '[')
            {
                tokens.Add((Tok.Lsb, null));
                i++;
                continue;
            }
            if (json && c == ']')
            {
                tokens.Add((Tok.Rsb, null));
                i++;
                continue;
            }
            if (json && c == '.')
            {
                tokens.Add((Tok.Dot, null));
                i++;
                continue;
            }
            if (char.IsAsciiLetter(c) || c == '_')
            {
                var start = i;
                while (i < s.Length && (char.IsAsciiLetterOrDigit(s[i]) || s[i] == '_'))
                    i++;
                tokens.Add((json ? Tok.Field : Tok.Key, s[start..i]));
                continue;
            }
            if (c == '"')
            {
                // A string runs to the next '"' or ']', without escapes.
                var start = ++i;
                while (i < s.Length && s[i] != '\0' && s[i] != '"' && s[i] != ']')
                    i++;
                var text = s[start..i];
                if (i < s.Length && s[i] != '\0')
                    i++;
                tokens.Add((Tok.String, text));
                continue;
            }
            error = $"unexpected char {char.ConvertFromUtf32(char.ConvertToUtf32(s, i))}";
            break;
        }
        tokens.Add((Tok.End, null));
        return (tokens, error);
    }
}
