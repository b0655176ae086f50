using Sawmill.Core;

namespace Sawmill.LogQL.Engine;

/// <summary>
/// The best <c>limit</c> entries of a log query, filled by several workers at once. "Best" is a total order: timestamp
/// in query direction, then (as Loki breaks ties) the stream's Prometheus label hash, then the stream's position in the
/// reader's answer, then the entry's position in its stream — so the result does not depend on which worker got there
/// first. The worst kept entry is the <see cref="Bound"/>: once
/// the set is full, an entry at or past it can be dropped without building it, and since a stream yields in query
/// direction, the stream is finished. Thread-safe.
/// </summary>
internal sealed class TopEntries
{
    private readonly int _limit;
    private readonly bool _forward;
    private readonly PriorityQueue<(Labels Labels, ResultEntry Entry, Key Key), Key> _heap;
    private readonly object _lock = new();
    private Key? _bound;

    public TopEntries(int limit, bool forward)
    {
        _limit = limit;
        _forward = forward;
        _heap = new PriorityQueue<(Labels, ResultEntry, Key), Key>(Comparer<Key>.Create((a, b) => Compare(b, a)));
    }

    /// <summary>An entry's place in the order.</summary>
    public readonly record struct Key(long TimestampNs, ulong StreamHash, int Stream, int Position);

    /// <summary>The worst kept entry once the set is full, else null. Only ever improves, so a stale copy is merely loose.</summary>
    public Key? Bound
    {
        get
        {
            lock (_lock)
                return _bound;
        }
    }

    /// <summary>True when <paramref name="key"/> comes after <paramref name="bound"/> in the order (or is it).</summary>
    public bool Worse(Key key, Key bound) => Compare(key, bound) >= 0;

    /// <summary>
    /// Adds an entry unless the set is full of better ones. Returns false when the entry did not make it (the caller's
    /// stream is finished); <paramref name="bound"/> receives the current bound either way.
    /// </summary>
    public bool TryAdd(Key key, Labels labels, ResultEntry entry, out Key? bound)
    {
        lock (_lock)
        {
            if (_limit <= 0 || (_bound is { } b && Compare(key, b) >= 0))
            {
                bound = _bound;
                return false;
            }
            _heap.Enqueue((labels, entry, key), key);
            if (_heap.Count > _limit)
                _heap.Dequeue();
            if (_heap.Count == _limit)
                _bound = _heap.Peek().Key;
            bound = _bound;
            return true;
        }
    }

    /// <summary>The kept entries, best first. Call after every worker is done.</summary>
    public List<(Labels Labels, ResultEntry Entry)> InOrder()
    {
        var all = new List<(Labels Labels, ResultEntry Entry, Key Key)>(_heap.Count);
        foreach (var (element, _) in _heap.UnorderedItems)
            all.Add(element);
        all.Sort((a, b) => Compare(a.Key, b.Key));
        return all.ConvertAll(x => (x.Labels, x.Entry));
    }

    private int Compare(Key a, Key b)
    {
        var c = a.TimestampNs.CompareTo(b.TimestampNs);
        if (!_forward)
            c = -c;
        if (c != 0)
            return c;
        c = a.StreamHash.CompareTo(b.StreamHash);
        if (c != 0)
            return c;
        c = a.Stream.CompareTo(b.Stream);
        return c != 0 ? c : a.Position.CompareTo(b.Position);
    }
}
