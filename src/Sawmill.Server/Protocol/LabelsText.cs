using Sawmill.GoCompat;
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
        var start = i;
        var sb = new StringBuilder();
        if (GoQuote.TryUnquote(s, ref i, sb, out var bad))
            return sb.ToString();
        error = bad == UnquoteError.Unterminated ? "unterminated quoted string" : $"invalid escape sequence in {s[start..Math.Min(i + 1, s.Length)]}";
        return null;
    }
}
