using Sawmill.Core;

namespace Sawmill.LogQL.Log;

/// <summary>
/// Which labels a parser must extract: all (<see cref="All"/>) or a set of names, so that
/// <c>| json | level="ERROR"</c> in a metric query builds one label instead of every field. Immutable.
/// </summary>
internal sealed class ParserHints
{
    public static readonly ParserHints All = new(null);

    private readonly Dictionary<string, int>? _bits;
    private readonly string[] _prefixes;

    public ParserHints(IReadOnlySet<string>? needed)
    {
        if (needed == null)
        {
            _prefixes = [];
            return;
        }
        _bits = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var n in needed)
        {
            if (_bits.Count == 64)
            {
                _bits = null; // too many to track cheaply: extract everything
                break;
            }
            _bits[n] = _bits.Count;
        }
        _prefixes = _bits?.Keys.ToArray() ?? [];
        AllMask = _bits == null ? 0 : _bits.Count == 64 ? ulong.MaxValue : (1UL << _bits.Count) - 1;
    }

    /// <summary>True when every label is wanted.</summary>
    public bool ExtractAll => _bits == null;

    /// <summary>True when no label at all is wanted (the parser still reports errors).</summary>
    public bool NoLabels => _bits is { Count: 0 };

    /// <summary>Bit mask with one bit per needed name.</summary>
    public ulong AllMask { get; }

    /// <summary>The bit of a needed name, 0 when not needed (and 0 when all are wanted).</summary>
    public ulong BitOf(string name) => _bits != null && _bits.TryGetValue(name, out var b) ? 1UL << b : 0;

    /// <summary>
    /// The needed names a parser can actually produce on this stream: a needed name that is a stream label is never
    /// a parser's output (the parser writes <c>name_extracted</c>), nor are the error labels. A parser stops scanning
    /// once it has found all of these; 0 means it cannot know, so it scans the whole line.
    /// </summary>
    public ulong MaskFor(Labels streamLabels)
    {
        if (_bits == null)
            return 0;
        var mask = AllMask;
        foreach (var (name, bit) in _bits)
            if (name is EntryState.ErrorLabel or EntryState.ErrorDetailsLabel || streamLabels.IndexOf(name) >= 0)
                mask &= ~(1UL << bit);
        return mask;
    }

    public bool ShouldExtract(string name) => _bits == null || _bits.ContainsKey(name);

    /// <summary>True when a nested object with this sanitised prefix may contain a needed label.</summary>
    public bool ShouldExtractPrefix(ReadOnlySpan<char> prefix)
    {
        if (_bits == null)
            return true;
        foreach (var p in _prefixes)
            if (p.Length > prefix.Length && p.AsSpan().StartsWith(prefix, StringComparison.Ordinal) && p[prefix.Length] == '_')
                return true;
        return false;
    }
}
