using System.Buffers;
using System.Text;
using System.Text.RegularExpressions;
using Sawmill.Core;
using Sawmill.GoCompat;

namespace Sawmill.LogQL.Log;

/// <summary>
/// <c>|~ "re"</c> with RE2 semantics (unanchored). <see cref="Create"/> first simplifies the regex the way Loki
/// does: a leading <c>(?i)</c>, surrounding <c>.*</c> and one enclosing group are peeled off, and when what remains
/// is a literal or an alternation of literals the result is a <see cref="LiteralsFilter"/> and never touches
/// the regex engine.
/// </summary>
internal sealed class RegexLineFilter : LineFilter
{
    private const int StackLimit = 1024;
    private readonly Regex _regex;

    private RegexLineFilter(Regex regex) => _regex = regex;

    public static LineFilter Create(string pattern)
    {
        // Validate with the real engine first so that invalid patterns fail even when they look literal.
        var regex = Re2.Compile(pattern, anchored: false);
        var literals = TrySimplify(pattern, out var ignoreCase);
        return literals != null ? LiteralsFilter.Create(literals, ignoreCase) : new RegexLineFilter(regex);
    }

    /// <summary>The literals the regex is equivalent to as an unanchored search, or null.</summary>
    internal static string[]? TrySimplify(string pattern, out bool ignoreCase)
    {
        ignoreCase = false;
        var p = pattern;
        if (p.StartsWith("(?i)", StringComparison.Ordinal))
        {
            ignoreCase = true;
            p = p[4..];
        }
        while (p.StartsWith(".*", StringComparison.Ordinal))
            p = p[2..];
        while (p.EndsWith(".*", StringComparison.Ordinal) && !p.EndsWith("\\.*", StringComparison.Ordinal))
            p = p[..^2];
        if (p.StartsWith("(?:", StringComparison.Ordinal) && p.EndsWith(')') && IsSingleGroup(p))
            p = p[3..^1];
        else if (p.StartsWith('(') && !p.StartsWith("(?", StringComparison.Ordinal) && p.EndsWith(')') && IsSingleGroup(p))
            p = p[1..^1];
        var literals = Re2.TryLiteralAlternation(p);
        if (literals == null)
            return null;
        foreach (var l in literals)
            if (ignoreCase && l.Any(c => c > 127))
                return null; // keep RE2's exact Unicode folding for non-ASCII
        return literals;
    }

    /// <summary>True when the parenthesis at 0 closes at the very end (so the group encloses everything).</summary>
    private static bool IsSingleGroup(string p)
    {
        var depth = 0;
        for (var i = 0; i < p.Length; i++)
        {
            var c = p[i];
            if (c == '\\')
            {
                i++;
                continue;
            }
            if (c == '(')
                depth++;
            else if (c == ')')
            {
                depth--;
                if (depth == 0)
                    return i == p.Length - 1;
            }
        }
        return false;
    }

    public override bool Matches(ReadOnlySpan<byte> line)
    {
        char[]? rented = null;
        var chars = line.Length <= StackLimit ? stackalloc char[line.Length] : (rented = ArrayPool<char>.Shared.Rent(line.Length));
        try
        {
            var n = Encoding.UTF8.GetChars(line, chars);
            return _regex.IsMatch(chars[..n]);
        }
        finally
        {
            if (rented != null)
                ArrayPool<char>.Shared.Return(rented);
        }
    }
}
