using System.Diagnostics;
using Sawmill.Core;

namespace Sawmill.LogQL.Engine;

/// <summary>
/// A log volume request (Loki's <c>/index/volume</c> and <c>/index/volume_range</c>): bytes of log lines per group of
/// streams. <see cref="AggregateByLabels"/> false groups by the values of <see cref="GroupBy"/> (one series per
/// distinct combination; with no matchers, Loki's match-any <c>{}</c>, by all of a stream's labels); true gives one
/// series per label name (its value empty) holding the bytes of every stream that has that label, limited to
/// <see cref="TargetLabels"/> when given.
/// <para>
/// Loki estimates volume from its chunks, and so does this: a stream's entries form chunks as an ingester cuts them
/// (one chunk until its time span exceeds <see cref="ChunkMaxAgeNs"/>); a chunk's size is Loki's uncompressed chunk
/// size (each line, 8 bytes per structured metadata pair, each distinct metadata name or value once); a request
/// counts, of every chunk its range overlaps, the share of the chunk's size that the range covers of the chunk's time
/// span (whole bytes, rounded down per chunk). <see cref="StepNs"/> 0 is the instant form, one request over the whole
/// range reported at its end. A range request is split as Loki's volume middleware splits it (step-aligned pieces,
/// each ending 1 ms before the next begins, the first starting at the request's start, whole seconds sent to the
/// ingester) and, as Loki 3 does, each piece is reported at its end.
/// </para>
/// </summary>
public sealed record VolumeQuery
{
    public required IReadOnlyList<LabelMatcher> Matchers { get; init; }
    public required long StartNs { get; init; }
    /// <summary>Inclusive.</summary>
    public required long EndNs { get; init; }
    public long StepNs { get; init; }
    public IReadOnlyList<string> GroupBy { get; init; } = [];
    public bool AggregateByLabels { get; init; }
    public IReadOnlyList<string>? TargetLabels { get; init; }
    /// <summary>The largest groups by total bytes are kept.</summary>
    public int Limit { get; init; } = 100;
    /// <summary>Longest time span of a chunk (Loki's <c>ingester.max_chunk_age</c>).</summary>
    public long ChunkMaxAgeNs { get; init; } = 2 * TimeNs.PerHour;
}

/// <summary>The groups of a <see cref="VolumeQuery"/>, largest first; each has one byte count per bucket.</summary>
public sealed class VolumeResult(List<(Labels Group, long[] Bytes)> groups, long[] bucketTimesNs)
{
    public List<(Labels Group, long[] Bytes)> Groups { get; } = groups;
    /// <summary>The time each bucket is reported at.</summary>
    public long[] BucketTimesNs { get; } = bucketTimesNs;
    public int Buckets => BucketTimesNs.Length;
    public QueryStatistics Statistics { get; init; } = new();
    public TimeSpan ExecTime { get; set; }
}

/// <summary>Evaluates <see cref="VolumeQuery"/>s: streams are read in parallel, counting line lengths only (no lines decoded).</summary>
internal static class VolumeEvaluator
{
    /// <summary>A piece of the request: the range its ingester request covers and the time it is reported at.</summary>
    private readonly record struct Piece(long FromNs, long ThroughNs, long ReportNs);

    /// <summary>An estimated chunk: its first and last entry times and its uncompressed size.</summary>
    private record struct Chunk(long MinNs, long MaxNs, long Size);

    public static VolumeResult Evaluate(ILogReader reader, string tenant, VolumeQuery q, QueryLimits limits, CancellationToken token)
    {
        var sw = Stopwatch.StartNew();
        var stats = new QueryStatistics();
        var pieces = Pieces(q, Math.Max(limits.MaxPointsPerSeries, 1));
        var reach = Math.Max(q.ChunkMaxAgeNs, 0);
        // Chunks that overlap the range may begin or end outside it: read one chunk span further on each side.
        var iterators = reader.Select(new SelectRequest
        {
            Tenant = tenant,
            Matchers = q.Matchers,
            StartNs = SaturatingAdd(q.StartNs, -reach),
            EndNs = SaturatingAdd(q.EndNs, reach + 1),
            Fields = EntryFields.LineLengths | EntryFields.Metadata,
            Statistics = stats,
        }, token);
        var totals = new Dictionary<Labels, long[]>();
        var target = q.TargetLabels is { Count: > 0 } t ? new HashSet<string>(t, StringComparer.Ordinal) : null;
        var next = -1;
        StreamWorkers.Run(iterators, limits.MaxQueryParallelism, token, (_, _) =>
        {
            int s;
            while ((s = Interlocked.Increment(ref next)) < iterators.Count)
                Count(iterators[s]);
        });
        var top = totals.Where(kv => kv.Value.Any(v => v != 0))
            .OrderByDescending(kv => kv.Value.Sum()).ThenBy(kv => kv.Key.ToString(), StringComparer.Ordinal).Take(q.Limit)
            .Select(kv => (kv.Key, kv.Value)).ToList();
        return new VolumeResult(top, pieces.Select(p => p.ReportNs).ToArray()) { Statistics = stats, ExecTime = sw.Elapsed };

        void Count(IEntryIterator it)
        {
            var chunks = Chunks(it, q.ChunkMaxAgeNs, token);
            if (chunks.Count == 0)
                return;
            var local = new long[pieces.Count];
            for (var i = 0; i < pieces.Count; i++)
                local[i] = Volume(chunks, pieces[i]);
            var keys = Keys(it.Labels, q, target);
            lock (totals)
            {
                foreach (var key in keys)
                {
                    if (!totals.TryGetValue(key, out var arr))
                    {
                        // Loki caps volume responses by volume_max_series; groups beyond the engine's series limit fail the query as other queries do.
                        if (limits.MaxQuerySeries > 0 && totals.Count >= Math.Max(limits.MaxQuerySeries, q.Limit))
                            throw new QueryLimitException($"maximum of series ({Math.Max(limits.MaxQuerySeries, q.Limit)}) reached for a single query");
                        totals[key] = arr = new long[pieces.Count];
                    }
                    for (var b = 0; b < pieces.Count; b++)
                        arr[b] += local[b];
                }
            }
        }
    }

    /// <summary>
    /// The pieces Loki's volume middleware sends (util.ForInterval with an inclusive end): the start rounded down to
    /// the step, one piece a step, each ending 1 ms before the next starts, the first from the request's own start and
    /// the last to its end. The ingester receives whole seconds (model.TimeFromUnix of the Unix seconds).
    /// </summary>
    private static List<Piece> Pieces(VolumeQuery q, int maxPieces)
    {
        var pieces = new List<Piece>();
        if (q.StepNs <= 0)
        {
            pieces.Add(new Piece(WholeSeconds(q.StartNs), WholeSeconds(q.EndNs), q.EndNs));
            return pieces;
        }
        var first = true;
        for (var start = q.StartNs - q.StartNs % q.StepNs; start < q.EndNs && pieces.Count < maxPieces; start += q.StepNs)
        {
            var end = start + q.StepNs;
            end = end >= q.EndNs ? q.EndNs : end - TimeNs.PerMillisecond;
            var from = first ? q.StartNs : start;
            first = false;
            pieces.Add(new Piece(WholeSeconds(from), WholeSeconds(end), end));
        }
        return pieces;
    }

    private static long WholeSeconds(long ns) => Math.DivRem(ns, TimeNs.PerSecond, out var rem) * TimeNs.PerSecond - (rem < 0 ? TimeNs.PerSecond : 0);

    private static long SaturatingAdd(long a, long b)
    {
        var r = a + b;
        return ((a ^ r) & (b ^ r)) < 0 ? (b < 0 ? long.MinValue : long.MaxValue) : r;
    }

    /// <summary>
    /// A stream's chunks as an ingester holds them: entries in time order, a new chunk once the current one would span
    /// more than the chunk age limit. Sizes as Loki's head blocks count them: the line, 8 bytes per structured metadata
    /// pair, and each distinct metadata name or value of the chunk once.
    /// </summary>
    private static List<Chunk> Chunks(IEntryIterator it, long maxAgeNs, CancellationToken token)
    {
        var chunks = new List<Chunk>();
        var current = default(Chunk);
        var open = false;
        HashSet<string>? symbols = null;
        var n = 0;
        while (it.Next())
        {
            if ((++n & 4095) == 0)
                token.ThrowIfCancellationRequested();
            var ts = it.TimestampNs;
            if (open && maxAgeNs > 0 && ts - current.MinNs > maxAgeNs)
            {
                chunks.Add(current);
                open = false;
                symbols?.Clear();
            }
            if (!open)
            {
                current = new Chunk(ts, ts, 0);
                open = true;
            }
            current.MinNs = Math.Min(current.MinNs, ts);
            current.MaxNs = Math.Max(current.MaxNs, ts);
            current.Size += it.LineLength;
            var metadata = it.Metadata;
            if (metadata.IsEmpty)
                continue;
            current.Size += 8L * metadata.Length;
            symbols ??= new HashSet<string>(StringComparer.Ordinal);
            foreach (var m in metadata)
            {
                if (symbols.Add(m.Name))
                    current.Size += System.Text.Encoding.UTF8.GetByteCount(m.Name);
                if (symbols.Add(m.Value))
                    current.Size += System.Text.Encoding.UTF8.GetByteCount(m.Value);
            }
        }
        if (open)
            chunks.Add(current);
        return chunks;
    }

    /// <summary>
    /// A stream's volume for one piece, as Loki's ingester computes it: for every chunk with from &lt; chunk end and
    /// through &gt; chunk start, the chunk's size times the share of its span inside [from, through] (all of it for a
    /// chunk of one instant), rounded down.
    /// </summary>
    private static long Volume(List<Chunk> chunks, Piece piece)
    {
        long size = 0;
        foreach (var c in chunks)
        {
            if (!(piece.FromNs < c.MaxNs && piece.ThroughNs > c.MinNs))
                continue;
            double factor;
            if (c.MinNs == c.MaxNs)
            {
                factor = 1;
            }
            else
            {
                var total = c.MaxNs - c.MinNs;
                var leading = Math.Max(0, piece.FromNs - c.MinNs);
                var trailing = Math.Max(0, c.MaxNs - piece.ThroughNs);
                factor = (double)(total - (leading + trailing)) / total;
            }
            size += (long)(ulong)(c.Size * factor);
        }
        return size;
    }

    private static List<Labels> Keys(Labels stream, VolumeQuery q, HashSet<string>? target)
    {
        var keys = new List<Labels>();
        if (q.AggregateByLabels)
        {
            foreach (var l in stream.AsSpan())
                if (target == null || target.Contains(l.Name))
                    keys.Add(Labels.From((l.Name, "")));
            return keys;
        }
        if (q.Matchers.Count == 0 && q.GroupBy.Count == 0)
        {
            keys.Add(stream);
            return keys;
        }
        var pairs = new List<Label>();
        foreach (var name in q.GroupBy)
            if (stream.Get(name) is { } v)
                pairs.Add(new Label(name, v));
        keys.Add(Labels.From(pairs));
        return keys;
    }
}
