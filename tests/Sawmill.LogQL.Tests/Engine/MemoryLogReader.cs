using System.Text;
using Sawmill.Core;

namespace Sawmill.LogQL.Tests.Engine;

/// <summary>
/// An in-memory <see cref="ILogReader"/> for engine tests. It honours the whole contract the engine relies on:
/// [start, end) bounds, direction, the pushed-down line filter and <see cref="EntryFields"/> (lines are empty
/// unless requested, so a query that forgets to ask for lines fails its test).
/// </summary>
internal sealed class MemoryLogReader : ILogReader
{
    private readonly Dictionary<string, Dictionary<Labels, List<(long Ts, byte[] Line, Label[] Md)>>> _data = new();

    public void Add(string tenant, Labels labels, long ts, string line, Label[]? metadata = null)
    {
        if (!_data.TryGetValue(tenant, out var t))
            _data[tenant] = t = new Dictionary<Labels, List<(long, byte[], Label[])>>();
        if (!t.TryGetValue(labels, out var list))
            t[labels] = list = [];
        list.Add((ts, Encoding.UTF8.GetBytes(line), metadata ?? []));
    }

    public IEnumerable<(Labels Labels, List<(long Ts, byte[] Line, Label[] Md)> Entries)> Streams(string tenant) =>
        _data.TryGetValue(tenant, out var t) ? t.Select(kv => (kv.Key, kv.Value)) : [];

    private static bool Match(Labels l, IReadOnlyList<LabelMatcher> ms)
    {
        foreach (var m in ms)
            if (!m.Matches(l.Get(m.Name)))
                return false;
        return true;
    }

    public IReadOnlyList<IEntryIterator> Select(SelectRequest request, CancellationToken cancellationToken)
    {
        var result = new List<IEntryIterator>();
        if (!_data.TryGetValue(request.Tenant, out var t))
            return result;
        foreach (var (labels, entries) in t)
        {
            if (!Match(labels, request.Matchers))
                continue;
            var sel = entries.Where(e => e.Ts >= request.StartNs && e.Ts < request.EndNs && (request.LineFilter == null || request.LineFilter.Matches(e.Line)))
                .OrderBy(e => e.Ts).ToList();
            if (request.Direction == Direction.Backward)
                sel.Reverse();
            if (sel.Count > 0)
                result.Add(new Iterator(labels, sel, request.Fields));
        }
        return result;
    }

    public IReadOnlyList<Labels> Series(string tenant, IReadOnlyList<LabelMatcher> matchers, long startNs, long endNs, CancellationToken cancellationToken) =>
        Streams(tenant).Where(s => Match(s.Labels, matchers)).Select(s => s.Labels).ToList();

    public IReadOnlyList<string> LabelNames(string tenant, long startNs, long endNs, IReadOnlyList<LabelMatcher>? matchers, CancellationToken cancellationToken) =>
        Streams(tenant).SelectMany(s => s.Labels.ToArray().Select(l => l.Name)).Distinct().Order(StringComparer.Ordinal).ToList();

    public IReadOnlyList<string> LabelValues(string tenant, string name, long startNs, long endNs, IReadOnlyList<LabelMatcher>? matchers, CancellationToken cancellationToken) =>
        Streams(tenant).Select(s => s.Labels.Get(name)).OfType<string>().Distinct().Order(StringComparer.Ordinal).ToList();

    public IndexStats Stats(string tenant, IReadOnlyList<LabelMatcher> matchers, long startNs, long endNs, CancellationToken cancellationToken) => default;

    public IReadOnlyList<string> Tenants() => _data.Keys.ToList();

    private sealed class Iterator(Labels labels, List<(long Ts, byte[] Line, Label[] Md)> entries, EntryFields fields) : IEntryIterator
    {
        private int _i = -1;

        public Labels Labels { get; } = labels;

        public bool Next() => ++_i < entries.Count;

        public long TimestampNs => entries[_i].Ts;

        public ReadOnlySpan<byte> Line => (fields & EntryFields.Lines) == EntryFields.Lines ? entries[_i].Line : default;

        public int LineLength => (fields & EntryFields.LineLengths) != 0 ? entries[_i].Line.Length : 0;

        public ReadOnlySpan<Label> Metadata => (fields & EntryFields.Metadata) != 0 ? entries[_i].Md : default;

        public void Dispose()
        {
        }
    }
}
