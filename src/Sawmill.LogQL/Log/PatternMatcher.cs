using System.Text;

namespace Sawmill.LogQL.Log;

/// <summary>
/// Loki's pattern syntax: literals and captures <c>&lt;name&gt;</c> or <c>&lt;_&gt;</c> (unnamed). Captures must be
/// separated by literals. Matching (<see cref="Match"/>) is greedy left to right: a leading literal must start the
/// line, each capture ends at the first occurrence of the literal after it, a capture whose literal is missing takes
/// the rest of the line (partial match). <see cref="Test"/> is the stricter filter form of <c>|&gt;</c>. Immutable.
/// </summary>
public sealed class PatternMatcher
{
    // Nodes alternate; a literal is non-null bytes, a capture has a null literal and a name (null for <_>).
    private readonly byte[]?[] _literals;
    private readonly string?[] _captures;

    private PatternMatcher(byte[]?[] literals, string?[] captures, string[] names)
    {
        _literals = literals;
        _captures = captures;
        Names = names;
    }

    /// <summary>Names of the named captures in order.</summary>
    public string[] Names { get; }

    /// <exception cref="ArgumentException">The pattern is invalid (Loki's wording).</exception>
    public static PatternMatcher Parse(string pattern, bool requireCapture = false)
    {
        var literals = new List<byte[]?>();
        var captures = new List<string?>();
        var names = new List<string>();
        var lit = new StringBuilder();
        var i = 0;
        while (i < pattern.Length)
        {
            if (pattern[i] == '<')
            {
                var close = pattern.IndexOf('>', i + 1);
                if (close > i + 1 && IsCaptureName(pattern.AsSpan(i + 1, close - i - 1)))
                {
                    if (lit.Length > 0)
                    {
                        literals.Add(Encoding.UTF8.GetBytes(lit.ToString()));
                        captures.Add(null);
                        lit.Clear();
                    }
                    else if (literals.Count > 0 && literals[^1] == null)
                        throw new ArgumentException("found consecutive capture '" + pattern[i..(close + 1)] + "': invalid expression");
                    var name = pattern[(i + 1)..close];
                    if (name == "_")
                        captures.Add(null);
                    else
                    {
                        if (names.Contains(name))
                            throw new ArgumentException($"duplicate capture name ({name}): invalid expression");
                        names.Add(name);
                        captures.Add(name);
                    }
                    literals.Add(null);
                    i = close + 1;
                    continue;
                }
            }
            lit.Append(pattern[i]);
            i++;
        }
        if (lit.Length > 0)
        {
            literals.Add(Encoding.UTF8.GetBytes(lit.ToString()));
            captures.Add(null);
        }
        if (requireCapture && names.Count == 0)
            throw new ArgumentException("at least one capture is required");
        return new PatternMatcher(literals.ToArray(), captures.ToArray(), names.ToArray());
    }

    private static bool IsCaptureName(ReadOnlySpan<char> s)
    {
        if (s.IsEmpty || !(char.IsAsciiLetter(s[0]) || s[0] == '_'))
            return false;
        foreach (var c in s)
            if (!(char.IsAsciiLetterOrDigit(c) || c == '_'))
                return false;
        return true;
    }

    /// <summary>
    /// Extracts the captures of <paramref name="line"/> into <paramref name="starts"/>/<paramref name="lengths"/>
    /// (indexed like <see cref="Names"/>); returns how many named captures matched (a prefix of Names), 0 when none.
    /// </summary>
    public int Match(ReadOnlySpan<byte> line, Span<int> starts, Span<int> lengths)
    {
        if (line.IsEmpty || _literals.Length == 0)
            return 0;
        var n = 0;
        var k = 0;
        var off = 0;
        if (_literals[0] != null)
        {
            if (!line.StartsWith(_literals[0]))
                return 0;
            off = _literals[0]!.Length;
            k = 1;
        }
        if (k >= _literals.Length)
            return 0;
        while (k < _literals.Length)
        {
            var name = _captures[k];
            if (k == _literals.Length - 1)
            {
                if (name != null)
                {
                    starts[n] = off;
                    lengths[n] = line.Length - off;
                    n++;
                }
                return n;
            }
            var next = _literals[k + 1]!;
            var j = line[off..].IndexOf(next);
            if (j < 0)
            {
                if (name != null)
                {
                    starts[n] = off;
                    lengths[n] = line.Length - off;
                    n++;
                }
                return n;
            }
            if (name != null)
            {
                starts[n] = off;
                lengths[n] = j;
                n++;
            }
            off += j + next.Length;
            k += 2;
        }
        return n;
    }

    /// <summary>The <c>|&gt;</c> test: literals in order, no empty capture, nothing left after a final literal.</summary>
    public bool Test(ReadOnlySpan<byte> line)
    {
        if (line.IsEmpty || _literals.Length == 0)
            return line.IsEmpty && _literals.Length == 0;
        var off = 0;
        for (var i = 0; i < _literals.Length; i++)
        {
            var lit = _literals[i];
            if (lit == null)
                continue;
            var j = line[off..].IndexOf(lit);
            if (j < 0)
                return false;
            if (i != 0 && j == 0)
                return false;
            off += j + lit.Length;
        }
        var endsOnCapture = _literals[^1] == null;
        return endsOnCapture == (off != line.Length);
    }
}
