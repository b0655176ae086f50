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

    /// <summary>
    /// Parses a pattern and checks it as Loki does, in its order: a pattern with nothing in it does not parse; the
    /// <c>pattern</c> parser (<paramref name="requireCapture"/>) needs a named capture; no two captures side by side;
    /// no name twice; the <c>|&gt;</c> line filter (<paramref name="lineFilter"/>) takes only <c>&lt;_&gt;</c>.
    /// </summary>
    /// <exception cref="ArgumentException">The pattern is invalid (Loki's wording).</exception>
    public static PatternMatcher Parse(string pattern, bool requireCapture = false, bool lineFilter = false)
    {
        // Nodes in order: a literal (Text, IsCapture false) or a capture (its "<name>" text, IsCapture true).
        var nodes = new List<(string Text, bool IsCapture)>();
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
                        nodes.Add((lit.ToString(), false));
                        lit.Clear();
                    }
                    nodes.Add((pattern[i..(close + 1)], true));
                    i = close + 1;
                    continue;
                }
            }
            lit.Append(pattern[i]);
            i++;
        }
        if (lit.Length > 0)
            nodes.Add((lit.ToString(), false));

        if (nodes.Count == 0)
        {
            if (lineFilter)
                return new PatternMatcher([], [], []);
            throw new ArgumentException("parse error at line 1, col 1: syntax error: unexpected $end, expecting IDENTIFIER or LITERAL");
        }
        static string NameOf(string capture) => capture[1..^1];
        if (requireCapture && !nodes.Any(n => n.IsCapture && NameOf(n.Text) != "_"))
            throw new ArgumentException("at least one capture is required");
        for (var k = 0; k + 1 < nodes.Count; k++)
            if (nodes[k].IsCapture && nodes[k + 1].IsCapture)
                throw new ArgumentException($"found consecutive capture '{nodes[k].Text}{nodes[k + 1].Text}': invalid expression");
        var names = new List<string>();
        foreach (var (text, isCapture) in nodes)
        {
            if (!isCapture || NameOf(text) == "_")
                continue;
            if (lineFilter)
                throw new ArgumentException($"named captures are not allowed: found '{text}'");
            if (names.Contains(NameOf(text)))
                throw new ArgumentException($"duplicate capture name ({NameOf(text)}): invalid expression");
            names.Add(NameOf(text));
        }
        var literals = new List<byte[]?>();
        var captures = new List<string?>();
        foreach (var (text, isCapture) in nodes)
        {
            literals.Add(isCapture ? null : Encoding.UTF8.GetBytes(text));
            captures.Add(isCapture && NameOf(text) != "_" ? NameOf(text) : null);
        }
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
