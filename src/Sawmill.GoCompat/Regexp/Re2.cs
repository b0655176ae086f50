using System.Collections.Concurrent;
using System.Text;
using System.Text.RegularExpressions;

namespace Sawmill.GoCompat;

/// <summary>
/// Compiles Go RE2 patterns to .NET regexes with RE2's guarantees: linear time (the
/// <see cref="RegexOptions.NonBacktracking"/> engine) and RE2's syntax (<c>(?P&lt;name&gt;…)</c> named groups,
/// no backreferences or lookarounds). Compiled regexes are cached; thread-safe.
/// </summary>
public static class Re2
{
    private static readonly ConcurrentDictionary<(string, bool), Regex> Cache = new();

    /// <summary>Compiles <paramref name="pattern"/>; when <paramref name="anchored"/>, it must match the whole input.</summary>
    /// <exception cref="ArgumentException">The pattern is not valid RE2; the message reads like Go's regexp errors.</exception>
    public static Regex Compile(string pattern, bool anchored)
    {
        if (Cache.TryGetValue((pattern, anchored), out var cached))
            return cached;
        var translated = Translate(pattern);
        if (anchored)
            translated = "^(?:" + translated + ")$";
        Regex regex;
        try
        {
            regex = new Regex(translated, RegexOptions.NonBacktracking | RegexOptions.CultureInvariant);
        }
        catch (NotSupportedException)
        {
            throw new ArgumentException($"error parsing regexp: invalid or unsupported Perl syntax: `{pattern}`");
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"error parsing regexp: {Describe(e)}: `{pattern}`");
        }
        if (Cache.Count < 10_000)
            Cache.TryAdd((pattern, anchored), regex);
        return regex;
    }

    /// <summary>Rewrites RE2-only syntax into .NET syntax and rejects what RE2 rejects.</summary>
    public static string Translate(string pattern)
    {
        var sb = new StringBuilder(pattern.Length + 8);
        var inClass = false;
        for (var i = 0; i < pattern.Length; i++)
        {
            var c = pattern[i];
            if (c == '\\' && i + 1 < pattern.Length)
            {
                var n = pattern[i + 1];
                // RE2 has no backreferences (\1) and no \Z-style .NET escapes beyond its own set.
                if (!inClass && n is >= '1' and <= '9')
                    throw new ArgumentException($"error parsing regexp: invalid escape sequence: `\\{n}`");
                if (n == 'z')
                {
                    sb.Append("\\z");
                    i++;
                    continue;
                }
                sb.Append(c).Append(n);
                i++;
                continue;
            }
            if (inClass)
            {
                if (c == ']')
                    inClass = false;
                sb.Append(c);
                continue;
            }
            if (c == '[')
            {
                inClass = true;
                sb.Append(c);
                // A ']' right after '[' or '[^' is a literal in RE2.
                if (i + 1 < pattern.Length && pattern[i + 1] == '^')
                {
                    sb.Append('^');
                    i++;
                }
                if (i + 1 < pattern.Length && pattern[i + 1] == ']')
                {
                    sb.Append("\\]");
                    i++;
                }
                continue;
            }
            if (c == '(' && i + 2 < pattern.Length && pattern[i + 1] == '?')
            {
                if (pattern[i + 2] == 'P' && i + 3 < pattern.Length && pattern[i + 3] == '<')
                {
                    sb.Append("(?<");
                    i += 3;
                    continue;
                }
                if (pattern[i + 2] is '=' or '!' || (pattern[i + 2] == '<' && i + 3 < pattern.Length && pattern[i + 3] is '=' or '!'))
                    throw new ArgumentException("error parsing regexp: invalid or unsupported Perl syntax: `(?" + pattern[i + 2] + "`");
            }
            sb.Append(c);
        }
        return sb.ToString();
    }

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

    private static string Describe(ArgumentException e)
    {
        var msg = e.Message;
        var idx = msg.IndexOf(" - ", StringComparison.Ordinal);
        return idx >= 0 ? msg[(idx + 3)..].TrimEnd('.') : msg;
    }
}
