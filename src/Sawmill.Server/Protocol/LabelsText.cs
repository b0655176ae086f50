using System.Text;
using Sawmill.Core;

namespace Sawmill.Server.Protocol;

/// <summary>
/// Parses the label string of a pushed stream (<c>{app="api", env="prod"}</c>), as Loki's push path does. Values are
/// Go-quoted strings (double quotes with escapes, or backticks). Returns the label pairs in the order given (duplicates
/// kept, so validation can name them) or an error text.
/// </summary>
public static class LabelsText
{
    public static List<Label>? TryParse(string text, out string? error)
    {
        error = null;
        var labels = new List<Label>();
        var i = 0;
        SkipSpace(text, ref i);
        if (i >= text.Length || text[i] != '{')
            return Fail(text, i, "expected '{'", out error);
        i++;
        SkipSpace(text, ref i);
        if (i < text.Length && text[i] == '}')
        {
            i++;
            SkipSpace(text, ref i);
            return i == text.Length ? labels : Fail(text, i, "unexpected text after '}'", out error);
        }
        while (true)
        {
            SkipSpace(text, ref i);
            var start = i;
            while (i < text.Length && (char.IsAsciiLetterOrDigit(text[i]) || text[i] == '_' || text[i] == '.' || text[i] == '-' || text[i] == '/' || text[i] > 127))
                i++;
            if (i == start)
                return Fail(text, i, "expected a label name", out error);
            var name = text[start..i];
            SkipSpace(text, ref i);
            if (i >= text.Length || text[i] != '=')
                return Fail(text, i, "expected '=' after label name", out error);
            i++;
            SkipSpace(text, ref i);
            var value = ReadQuoted(text, ref i, out var qerr);
            if (value == null)
                return Fail(text, i, qerr!, out error);
            labels.Add(new Label(name, value));
            SkipSpace(text, ref i);
            if (i >= text.Length)
                return Fail(text, i, "unexpected end of input, expected '}'", out error);
            if (text[i] == ',')
            {
                i++;
                continue;
            }
            if (text[i] == '}')
            {
                i++;
                SkipSpace(text, ref i);
                return i == text.Length ? labels : Fail(text, i, "unexpected text after '}'", out error);
            }
            return Fail(text, i, "expected ',' or '}'", out error);
        }
    }

    private static List<Label>? Fail(string text, int pos, string reason, out string error)
    {
        error = $"1:{pos + 1}: parse error: {reason}";
        return null;
    }

    private static void SkipSpace(string s, ref int i)
    {
        while (i < s.Length && char.IsWhiteSpace(s[i]))
            i++;
    }

    /// <summary>Reads a Go string literal ("…" with escapes, or `…`) at <paramref name="i"/>.</summary>
    public static string? ReadQuoted(string s, ref int i, out string? error)
    {
        error = null;
        if (i >= s.Length || (s[i] != '"' && s[i] != '`'))
        {
            error = "expected a quoted label value";
            return null;
        }
        var quote = s[i++];
        var sb = new StringBuilder();
        while (i < s.Length)
        {
            var c = s[i++];
            if (c == quote)
                return sb.ToString();
            if (c == '\\' && quote == '"')
            {
                if (i >= s.Length)
                    break;
                var e = s[i++];
                switch (e)
                {
                    case 'n': sb.Append('\n'); break;
                    case 't': sb.Append('\t'); break;
                    case 'r': sb.Append('\r'); break;
                    case 'a': sb.Append('\a'); break;
                    case 'b': sb.Append('\b'); break;
                    case 'f': sb.Append('\f'); break;
                    case 'v': sb.Append('\v'); break;
                    case '\\': sb.Append('\\'); break;
                    case '"': sb.Append('"'); break;
                    case '\'': sb.Append('\''); break;
                    case 'x' when i + 2 <= s.Length:
                        sb.Append((char)Convert.ToInt32(s.Substring(i, 2), 16));
                        i += 2;
                        break;
                    case 'u' when i + 4 <= s.Length:
                        sb.Append((char)Convert.ToInt32(s.Substring(i, 4), 16));
                        i += 4;
                        break;
                    case 'U' when i + 8 <= s.Length:
                        sb.Append(char.ConvertFromUtf32(Convert.ToInt32(s.Substring(i, 8), 16)));
                        i += 8;
                        break;
                    default:
                        error = $"invalid escape sequence \\{e}";
                        return null;
                }
                continue;
            }
            sb.Append(c);
        }
        error = "unterminated quoted string";
        return null;
    }
}
