using Sawmill.Core;
using Sawmill.LogQL.Log;

namespace Sawmill.LogQL.Engine;

/// <summary>
/// The series key of an entry under <c>by (…)</c> grouping, read straight from the entry's labels: equal to grouping
/// the entry's full label set (<see cref="EntryState.BuildLabels"/>) when the entry has no error, without building
/// that set — which is unique per entry as soon as a parser extracts an id or a latency, and would cost an
/// allocation per sample. Keys are cached by their values (a few hundred per stream at most; beyond that they are
/// built without caching). One per stream pipeline; not thread-safe.
/// </summary>
internal sealed class GroupKeyCache
{
    private const int MaxCached = 256;
    private readonly string[] _names;
    private readonly string?[] _scratch;
    private readonly List<(int Hash, string?[] Values, Labels Key)> _cache = [];
    // The previous entry's values and key: consecutive entries of a stream usually share the grouping values as the
    // very same string instances (stream labels, interned parsed values), which a reference check recognises
    // without hashing.
    private readonly string?[] _lastValues;
    private Labels? _lastKey;

    /// <param name="names">The grouping names, distinct and sorted ordinally (the order of <see cref="Labels"/>).</param>
    public GroupKeyCache(string[] names)
    {
        _names = names;
        _scratch = new string?[names.Length];
        _lastValues = new string?[names.Length];
    }

    /// <summary>The key for an entry without an error (the caller handles entries with one).</summary>
    public Labels Get(EntryState entry)
    {
        var sameAsLast = _lastKey != null;
        for (var i = 0; i < _names.Length; i++)
        {
            var name = _names[i];
            // Without an error the final label set has no error labels, even if details were recorded.
            var v = name is EntryState.ErrorLabel or EntryState.ErrorDetailsLabel ? null : entry.Get(name);
            _scratch[i] = v;
            sameAsLast &= ReferenceEquals(v, _lastValues[i]);
        }
        if (sameAsLast)
            return _lastKey!;
        var key = Lookup();
        Array.Copy(_scratch, _lastValues, _scratch.Length);
        _lastKey = key;
        return key;
    }

    private Labels Lookup()
    {
        var hash = new HashCode();
        foreach (var v in _scratch)
            hash.Add(v);
        var h = hash.ToHashCode();
        foreach (var (ch, values, key) in _cache)
            if (ch == h && Same(values))
                return key;
        var n = 0;
        foreach (var v in _scratch)
            if (v != null)
                n++;
        var labels = new Label[n];
        n = 0;
        for (var i = 0; i < _names.Length; i++)
            if (_scratch[i] != null)
                labels[n++] = new Label(_names[i], _scratch[i]!);
        var result = Labels.FromSorted(labels);
        if (_cache.Count < MaxCached)
            _cache.Add((h, (string?[])_scratch.Clone(), result));
        return result;
    }

    private bool Same(string?[] values)
    {
        for (var i = 0; i < values.Length; i++)
            if (!string.Equals(values[i], _scratch[i], StringComparison.Ordinal))
                return false;
        return true;
    }
}
