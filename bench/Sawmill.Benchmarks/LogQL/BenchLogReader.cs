using Sawmill.Core;

namespace Sawmill.Benchmarks.LogQL;

/// <summary>
/// A read-only in-memory <see cref="ILogReader"/> over generated streams (lines already decompressed), so engine
/// benchmarks measure the engine, not storage. Honours matchers, [start, end), direction, the pushed-down line
/// filter and <see cref="EntryFields"/>.
/// </summary>
internal sealed class BenchLogReader(IReadOnlyList<(Labels Labels, long[] Ts, byte[][] Lines)> streams) : ILogReader
{
    public long TotalBytes { get; } = streams.Sum(s => PipelineData.TotalBytes(s.Lines));

    public long TotalEntries { get; } = streams.Sum(s => (long)s.Ts.Length);

    /// <summary>
    /// Churn-api JSON lines spread evenly over [0, span): <paramref name="apps"/> apps × 2 pods, about
    /// <paramref name="targetBytes"/> bytes in all.
    /// </summary>
    public static BenchLogReader Generate(long targetBytes, long spanNs, int apps = 4)
    {
        // Sized by the generator's real mean line length (about 320 B), so "1024 MiB" means 1 GiB of lines. (Until
        // 2026-11-27 04:30 UTC this assumed 370 B per line and produced 887 MiB for 1024.)
        var meanLine = PipelineData.TotalBytes(PipelineData.ChurnJson(2000, 99)) / 2000.0;
        var perStream = (int)(targetBytes / meanLine / (apps * 2));
        var list = new List<(Labels, long[], byte[][])>();
        var seed = 1;
        for (var a = 0; a < apps; a++)
        {
            for (var p = 0; p < 2; p++)
            {
                var lines = PipelineData.ChurnJson(perStream, seed++);
                var ts = new long[perStream];
                for (var i = 0; i < perStream; i++)
                    ts[i] = (long)(i * (double)spanNs / perStream);
                var name = a == 0 ? "api" : $"app{a}";
                list.Add((Labels.From(("app", name), ("env", "prod"), ("pod", $"{name}-{p}")), ts, lines));
            }
        }
        return new BenchLogReader(list);
    }

    public IReadOnlyList<IEntryIterator> Select(SelectRequest request, CancellationToken cancellationToken)
    {
        var result = new List<IEntryIterator>();
        foreach (var s in streams)
        {
            var match = true;
            foreach (var m in request.Matchers)
                match &= m.Matches(s.Labels.Get(m.Name));
            if (match)
                result.Add(new Iterator(s.Labels, s.Ts, s.Lines, request));
        }
        return result;
    }

    public IReadOnlyList<Labels> Series(string tenant, IReadOnlyList<LabelMatcher> matchers, long startNs, long endNs, CancellationToken cancellationToken) =>
        streams.Select(s => s.Labels).ToList();

    public IReadOnlyList<string> LabelNames(string tenant, long startNs, long endNs, IReadOnlyList<LabelMatcher>? matchers, CancellationToken cancellationToken) =>
        ["app", "env", "pod"];

    public IReadOnlyList<string> LabelValues(string tenant, string name, long startNs, long endNs, IReadOnlyList<LabelMatcher>? matchers, CancellationToken cancellationToken) =>
        streams.Select(s => s.Labels.Get(name)).OfType<string>().Distinct().ToList();

    public IndexStats Stats(string tenant, IReadOnlyList<LabelMatcher> matchers, long startNs, long endNs, CancellationToken cancellationToken) =>
        new(streams.Count, 0, TotalBytes, TotalEntries);

    public IReadOnlyList<string> Tenants() => ["fake"];

    private sealed class Iterator : IEntryIterator
    {
        private readonly long[] _ts;
        private readonly byte[][] _lines;
        private readonly ILineFilter? _filter;
        private readonly EntryFields _fields;
        private readonly int _end;
        private readonly int _step;
        private int _i;

        public Iterator(Labels labels, long[] ts, byte[][] lines, SelectRequest request)
        {
            Labels = labels;
            _ts = ts;
            _lines = lines;
            _filter = request.LineFilter;
            _fields = request.Fields;
            var lo = LowerBound(ts, request.StartNs);
            var hi = LowerBound(ts, request.EndNs);
            if (request.Direction == Direction.Forward)
            {
                _i = lo - 1;
                _end = hi;
                _step = 1;
            }
            else
            {
                _i = hi;
                _end = lo - 1;
                _step = -1;
            }
        }

        public Labels Labels { get; }

        public bool Next()
        {
            while (true)
            {
                _i += _step;
                if (_i == _end)
                {
                    _i -= _step;
                    return false;
                }
                if (_filter == null || _filter.Matches(_lines[_i]))
                    return true;
            }
        }

        public long TimestampNs => _ts[_i];

        public ReadOnlySpan<byte> Line => (_fields & EntryFields.Lines) == EntryFields.Lines ? _lines[_i] : default;

        public int LineLength => _lines[_i].Length;

        public ReadOnlySpan<Label> Metadata => default;

        public void Dispose()
        {
        }

        private static int LowerBound(long[] a, long v)
        {
            int lo = 0, hi = a.Length;
            while (lo < hi)
            {
                var mid = (lo + hi) >>> 1;
                if (a[mid] < v)
                    lo = mid + 1;
                else
                    hi = mid;
            }
            return lo;
        }
    }
}
