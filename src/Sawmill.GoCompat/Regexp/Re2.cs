using System.Collections.Concurrent;
using System.Text;
using System.Text.RegularExpressions;

namespace Sawmill.GoCompat;

/// <summary>
/// Compiles Go RE2 patterns to .NET regexes with RE2's guarantees: linear time (the
/// <see cref="RegexOptions.NonBacktracking"/> engine), Go's syntax and its error texts, and RE2's meaning of the
/// constructs where .NET's differs (see <see cref="GoRegexpSyntax"/>). Compiled regexes are cached; thread-safe.
/// </summary>
public static class Re2
{
    private static readonly ConcurrentDictionary<(string, bool), Regex> Cache = new();

    /// <summary>
    /// Compiles <paramref name="pattern"/>; when <paramref name="anchored"/>, it must match the whole input, and it is
    /// read as Go code anchoring it does, <c>^(?:pattern)$</c> (so errors quote that text).
    /// </summary>
    /// <exception cref="ArgumentException">The pattern is not valid Go RE2; the message is Go's regexp error.</exception>
    public static Regex Compile(string pattern, bool anchored)
    {
        if (Cache.TryGetValue((pattern, anchored), out var cached))
            return cached;
        var translated = Translate(anchored ? "^(?:" + pattern + ")$" : pattern);
        Regex regex;
        try
        {
            regex = new Regex(translated, RegexOptions.NonBacktracking | RegexOptions.CultureInvariant);
        }
        catch (NotSupportedException)
        {
            throw new ArgumentException($"error parsing regexp: invalid or unsupported Perl syntax: `{pattern}`");
        }
        if (Cache.Count < 10_000)
            Cache.TryAdd((pattern, anchored), regex);
        return regex;
    }

    /// <summary>The .NET pattern for a Go pattern; <see cref="ArgumentException"/> with Go's error when Go refuses it.</summary>
    public static string Translate(string pattern) => GoRegexpSyntax.ToDotNet(pattern);

    /// <summary>Go's error text for a pattern, or null when Go's regexp.Compile accepts it.</summary>
    public static string? Check(string pattern)
    {
        try
        {
            GoRegexpSyntax.ToDotNet(pattern);
            return null;
        }
        catch (ArgumentException e)
        {
            return e.Message;
        }
    }

    /// <summary>The names of the pattern's named groups, in order (Go's unnamed groups carry internal names).</summary>
    public static IEnumerable<string> GroupNames(Regex regex)
    {
        foreach (var n in regex.GetGroupNames())
            if (IsNamedGroup(n))
                yield return n;
    }

    /// <summary>Whether a .NET group name of a compiled pattern is a name the Go pattern gave.</summary>
    public static bool IsNamedGroup(string groupName) =>
        !int.TryParse(groupName, out _) && !groupName.StartsWith(GoRegexpSyntax.UnnamedPrefix, StringComparison.Ordinal);

    /// <summary>
    /// When the pattern is an alternation of plain literals (<c>api|web|db</c>, or a single literal), returns them;
    /// otherwise null. Lets matchers and filters skip the regex engine entirely.
    /// </summary>
    public static string[]? TryLiteralAlternation(string pattern)
    {
        var parts = new List<string>();
        var sb = new StringBuilder();
        for (var i = 0; i < pattern.Length; i++)
        {
            var c = pattern[i];
            if (c == '|')
            {
                parts.Add(sb.ToString());
                sb.Clear();
                continue;
            }
            if (c == '\\' && i + 1 < pattern.Length && IsEscapableLiteral(pattern[i + 1]))
            {
                sb.Append(pattern[i + 1]);
                i++;
                continue;
            }
            if (IsMeta(c))
                return null;
            sb.Append(c);
        }
        parts.Add(sb.ToString());
        return parts.ToArray();
    }

    private static bool IsMeta(char c) => c is '\\' or '.' or '+' or '*' or '?' or '(' or ')' or '[' or ']' or '{' or '}' or '^' or '$' or '|';

    private static bool IsEscapableLiteral(char c) => IsMeta(c) || c is '-' or '/' or '"' or '\'' or ' ' or '#' or '&' or '~' or ',' or ':' or '=' or '@' or '%' or '<' or '>' or '!' or ';' or '_';
}
