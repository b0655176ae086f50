using Sawmill.Core;

namespace Sawmill.Server.Tailing;

/// <summary>
/// A read-only <see cref="ILogReader"/> over a handful of just-pushed entries, so a live tail runs its LogQL query
/// (selectors, filters, parsers, formatters) through the same engine as <c>query_range</c> instead of a second
/// implementation. Entries of the same stream are merged and sorted by timestamp. Immutable after construction;
/// thread-safe.
/// </summary>
public sealed class SnapshotReader : ILogReader
{
    private readonly string _tenant;
    private readonly List<(Labels Labels, PushEntry[] Entries)> _streams = [];

    public SnapshotReader(string tenant, IEnumerable<TailSubscription.Batch> batches)
    {
        _tenant = tenant;
        var byLabels = new Dictionary<Labels, List<PushEntry>>();
        foreach (var b in batches)
        {
            if (!byLabels.TryGetValue(b.Labels, out var list))
                byLabels[b.Labels] = list = [];
            for (var i = b.Offset; i < b.Offset + b.Count; i++)
                list.Add(b.Entries[i]);
        }
        foreach (var (labels, list) in byLabels)
        {
            var arr = list.ToArray();
            // Stable: entries with equal timestamps keep their push order.
            var sorted = arr.Select((e, i) => (e, i)).OrderBy(x => x.e.TimestampNs).ThenBy(x => x.i).Select(x => x.e).ToArray();
            _streams.Add((labels, sorted));
        }
    }

    /// <summary>Smallest and largest timestamp held, or (0, -1) when empty.</summary>
    public (long Min, long Max) Bounds
    {
        get
        {
            long min = long.MaxValue, max = long.MinValue;
            foreach (var (_, entries) in _streams)
            {
                if (entries.Length == 0)
                    continue;
                min = Math.Min(min, entries[0].TimestampNs);
                max = Math.Max(max, entries[^1].TimestampNs);
            }
            return min == long.MaxValue ? (0, -1) : (min, max);
        }
    }

    public int EntryCount => _streams.Sum(s => s.Entries.Length);

    private static bool MatchesAll(IReadOnlyList<LabelMatcher>? matchers, Labels labels)
    {
        if (matchers == null)
            return true;
        foreach (var m in matchers)
            if (!m.Matches(labels.Get(m.Name)))
                return false;
        return true;
    }

    private static bool InRange(PushEntry[] entries, long start, long end)
    {
        foreach (var e in entries)
            if (e.TimestampNs >= start && e.TimestampNs < end)
                return true;
        return false;
    }

    public IReadOnlyList<IEntryIterator> Select(SelectRequest request, CancellationToken cancellationToken)
    {
        var result = new List<IEntryIterator>();
        if (request.Tenant != _tenant)
            return result;
        foreach (var (labels, entries) in _streams)
            if (MatchesAll(request.Matchers, labels))
                result.Add(new Iterator(labels, entries, request));
        return result;
    }

    public IReadOnlyList<Labels> Series(string tenant, IReadOnlyList<LabelMatcher> matchers, long startNs, long endNs, CancellationToken cancellationToken) =>
        tenant != _tenant ? [] : _streams.Where(s => MatchesAll(matchers, s.Labels) && InRange(s.Entries, startNs, endNs)).Select(s => s.Labels).ToList();

    public IReadOnlyList<string> LabelNames(string tenant, long startNs, long endNs, IReadOnlyList<LabelMatcher>? matchers, CancellationToken cancellationToken) =>
        Series(tenant, matchers ?? [], startNs, endNs, cancellationToken).SelectMany(l => l.ToArray().Select(x => x.Name)).Distinct().Order(StringComparer.Ordinal).ToList();

    public IReadOnlyList<string> LabelValues(string tenant, string name, long startNs, long endNs, IReadOnlyList<LabelMatcher>? matchers, CancellationToken cancellationToken) =>
        Series(tenant, matchers ?? [], startNs, endNs, cancellationToken).Select(l => l.Get(name)).OfType<string>().Distinct().Order(StringComparer.Ordinal).ToList();

    public IndexStats Stats(string tenant, IReadOnlyList<LabelMatcher> matchers, long startNs, long endNs, CancellationToken cancellationToken)
    {
        long streams = 0, entries = 0, bytes = 0;
        if (tenant == _tenant)
        {
            foreach (var (labels, list) in _streams)
            {
                if (!MatchesAll(matchers, labels))
                    continue;
                var any = false;
                foreach (var e in list)
                {
                    if (e.TimestampNs < startNs || e.TimestampNs >= endNs)
                        continue;
                    any = true;
                    entries++;
                    bytes += e.Line.Length;
                }
                if (any)
                    streams++;
            }
        }
        return new IndexStats(streams, 0, bytes, entries);
    }

    public IReadOnlyList<string> Tenants() => [_tenant];

    private sealed class Iterator(Labels labels, PushEntry[] entries, SelectRequest request) : IEntryIterator
    {
        private readonly bool _backward = request.Direction == Direction.Backward;
        private int _pos = request.Direction == Direction.Backward ? entries.Length : -1;
        private PushEntry _current;

        public Labels Labels => labels;

        public bool Next()
        {
            while (true)
            {
                _pos += _backward ? -1 : 1;
                if (_pos < 0 || _pos >= entries.Length)
                    return false;
                var e = entries[_pos];
                if (e.TimestampNs < request.StartNs || e.TimestampNs >= request.EndNs)
                    continue;
                request.Statistics.AddHead(e.Line.Length, 1);
                if (request.LineFilter != null && !request.LineFilter.Matches(e.Line.Span))
                    continue;
                _current = e;
                return true;
            }
        }

        public long TimestampNs => _current.TimestampNs;
        public ReadOnlySpan<byte> Line => (request.Fields & EntryFields.Lines) == EntryFields.Lines ? _current.Line.Span : default;
        public int LineLength => _current.Line.Length;
        public ReadOnlySpan<Label> Metadata => (request.Fields & EntryFields.Metadata) != 0 && _current.Metadata != null ? _current.Metadata : default;
        public void Dispose() { }
    }
}
