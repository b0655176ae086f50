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
