using Sawmill.Core;

namespace Sawmill.Storage.Head;

/// <summary>
/// The streams of one tenant with an inverted index (label name → value → streams) so that selectors find their
/// streams without scanning all of them. Reads take a lock-free snapshot of the stream list. Thread-safe.
/// </summary>
internal sealed class TenantHead(HeadSettings settings)
{
    private readonly object _lock = new();
    private readonly Dictionary<ulong, List<MemStream>> _byHash = [];
    private readonly Dictionary<string, Dictionary<string, List<MemStream>>> _postings = new(StringComparer.Ordinal);
    private MemStream[] _all = [];

    public int StreamCount => Volatile.Read(ref _all).Length;

    /// <summary>Every stream (a lock-free snapshot).</summary>
    public MemStream[] All => Volatile.Read(ref _all);

    public MemStream GetOrCreate(Labels labels)
    {
        lock (_lock)
        {
            if (_byHash.TryGetValue(labels.Hash, out var list))
            {
                foreach (var s in list)
                    if (s.Labels.Equals(labels))
                        return s;
            }
            else
            {
                _byHash[labels.Hash] = list = [];
            }
            var stream = new MemStream(labels, settings);
            list.Add(stream);
            foreach (var l in labels.AsSpan())
            {
                if (!_postings.TryGetValue(l.Name, out var values))
                    _postings[l.Name] = values = new Dictionary<string, List<MemStream>>(StringComparer.Ordinal);
                if (!values.TryGetValue(l.Value, out var streams))
                    values[l.Value] = streams = [];
                streams.Add(stream);
            }
            var all = new MemStream[_all.Length + 1];
            _all.CopyTo(all, 0);
            all[^1] = stream;
            Volatile.Write(ref _all, all);
            return stream;
        }
    }

    /// <summary>
    /// Removes the streams whose data is all flushed and that received nothing for <paramref name="idleMs"/>, so that a
    /// head's memory and stream count follow the active streams (Loki's ingesters do the same). The caller guarantees no
    /// push is between finding a stream and appending to it (the store's checkpoint lock); a query that already holds a
    /// removed stream reads it as empty. Returns how many were removed.
    /// </summary>
    public int RemoveIdle(long nowMs, long idleMs)
    {
        lock (_lock)
        {
            HashSet<MemStream>? removed = null;
            foreach (var s in _all)
                if (s.IsEvictable(nowMs, idleMs))
                    (removed ??= []).Add(s);
            if (removed == null)
                return 0;
            var touched = new HashSet<List<MemStream>>(ReferenceEqualityComparer.Instance);
            foreach (var s in removed)
            {
                var list = _byHash[s.Labels.Hash];
                list.Remove(s);
                if (list.Count == 0)
                    _byHash.Remove(s.Labels.Hash);
                foreach (var l in s.Labels.AsSpan())
                    touched.Add(_postings[l.Name][l.Value]);
            }
            foreach (var list in touched)
                list.RemoveAll(removed.Contains);
            foreach (var (name, values) in _postings.ToList())
            {
                foreach (var (value, list) in values.ToList())
                    if (list.Count == 0)
                        values.Remove(value);
                if (values.Count == 0)
                    _postings.Remove(name);
            }
            Volatile.Write(ref _all, _all.Where(s => !removed.Contains(s)).ToArray());
            return removed.Count;
        }
    }

    public MemStream? Find(Labels labels)
    {
        lock (_lock)
        {
            if (_byHash.TryGetValue(labels.Hash, out var list))
                foreach (var s in list)
                    if (s.Labels.Equals(labels))
                        return s;
            return null;
        }
    }

    /// <summary>Streams whose labels satisfy every matcher. Uses the postings of the most selective equality matcher.</summary>
    public List<MemStream> Match(IReadOnlyList<LabelMatcher>? matchers)
    {
        IEnumerable<MemStream> candidates = Volatile.Read(ref _all);
        if (matchers != null)
        {
            List<MemStream>? best = null;
            lock (_lock)
            {
                foreach (var m in matchers)
                {
                    if (m.Type != MatchType.Equal || m.Value.Length == 0)
                        continue;
                    var list = _postings.TryGetValue(m.Name, out var values) && values.TryGetValue(m.Value, out var s) ? s : [];
                    if (best == null || list.Count < best.Count)
                        best = list;
                }
                if (best != null)
                    candidates = best.ToArray();
            }
        }
        var result = new List<MemStream>();
        foreach (var s in candidates)
        {
            if (matchers == null || MatchesAll(s.Labels, matchers))
                result.Add(s);
        }
        return result;
    }

    public static bool MatchesAll(Labels labels, IReadOnlyList<LabelMatcher> matchers)
    {
        foreach (var m in matchers)
        {
            if (!m.Matches(labels.Get(m.Name)))
                return false;
        }
        return true;
    }
}
