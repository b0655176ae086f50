using Sawmill.Core;
using Sawmill.Server.Protocol;

namespace Sawmill.Server.Api;

/// <summary>
/// Parses a stream selector (<c>{app="api", level=~"err.*"}</c>) for the metadata endpoints (<c>match[]</c>,
/// <c>query</c>). Errors read like LogQL's parse errors and map to 400. When given a full query, only the leading
/// selector is read (the metadata endpoints ignore pipelines, as Loki does).
/// </summary>
public static class SelectorParser
{
    public const string EmptyCompatibleError =
        "queries require at least one regexp or equality matcher that does not have an empty-compatible value. For instance, app=~\".*\" does not meet this requirement, but app=~\".+\" will";

    public static List<LabelMatcher> Parse(string text, bool requireNonEmpty = true)
    {
        var matchers = new List<LabelMatcher>();
        var i = 0;
        Skip(text, ref i);
        if (i >= text.Length || text[i] != '{')
            throw Error(text, i, "syntax error: unexpected " + Describe(text, i) + ", expecting {");
        i++;
        Skip(text, ref i);
        if (i < text.Length && text[i] == '}')
            throw Error(text, i, "syntax error: unexpected }, expecting IDENTIFIER");
        while (true)
        {
            Skip(text, ref i);
            var start = i;
            while (i < text.Length && (char.IsAsciiLetterOrDigit(text[i]) || text[i] == '_'))
                i++;
            if (i == start)
                throw Error(text, i, "syntax error: unexpected " + Describe(text, i) + ", expecting IDENTIFIER");
            var name = text[start..i];
            Skip(text, ref i);
            MatchType type;
            if (Next(text, i, "=~")) { type = MatchType.Regex; i += 2; }
            else if (Next(text, i, "!~")) { type = MatchType.NotRegex; i += 2; }
            else if (Next(text, i, "!=")) { type = MatchType.NotEqual; i += 2; }
            else if (Next(text, i, "=")) { type = MatchType.Equal; i += 1; }
            else throw Error(text, i, "syntax error: unexpected " + Describe(text, i) + ", expecting = or != or =~ or !~");
            Skip(text, ref i);
            var valueStart = i;
            var value = LabelsText.ReadQuoted(text, ref i, out var qerr);
            if (value == null)
                throw Error(text, valueStart, "syntax error: unexpected " + Describe(text, valueStart) + ", expecting STRING");
            try
            {
                matchers.Add(LabelMatcher.Create(type, name, value));
            }
            catch (ArgumentException e)
            {
                throw new ApiException(400, e.Message);
            }
            Skip(text, ref i);
            if (i < text.Length && text[i] == ',')
            {
                i++;
                continue;
            }
            if (i < text.Length && text[i] == '}')
                break;
            throw Error(text, i, "syntax error: unexpected " + Describe(text, i) + ", expecting , or }");
        }
        if (requireNonEmpty && matchers.TrueForAll(m => m.MatchesEmpty))
            throw new ApiException(400, "parse error : " + EmptyCompatibleError);
        return matchers;
    }

    private static bool Next(string s, int i, string token) => string.CompareOrdinal(s, i, token, 0, token.Length) == 0;

    private static void Skip(string s, ref int i)
    {
        while (i < s.Length && char.IsWhiteSpace(s[i]))
            i++;
    }

    private static string Describe(string s, int i) => i >= s.Length ? "$end" : s[i].ToString();

    private static ApiException Error(string text, int pos, string message)
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
            else
            {
                col++;
            }
        }
        return new ApiException(400, $"parse error at line {line}, col {col}: {message}");
    }
}
