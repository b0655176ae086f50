using Sawmill.Core;
using Sawmill.Storage.Bucket;

namespace Sawmill.Storage.Query;

/// <summary>
/// A querier's select over several places at once: the sources of each matching stream from the bucket's blocks and
/// from every ingester's answer (<see cref="LogStore.ExportSelectAsync"/>) are gathered per stream and read as one
/// time-ordered sequence, so entries held by several replicas come out once: a stream with time-overlapping sources
/// from different origins (an ingester's answer; a bucket block) has its lines decoded
/// to find the duplicates even when the request does not return lines. Ingesters must then be asked for lines too (<see cref="RemoteFields"/>).
/// Add everything, then call <see cref="Iterators"/> once. Not thread-safe.
/// </summary>
public sealed class Selection(SelectRequest request)
{
    private readonly Dictionary<Labels, List<(Source Source, string Origin)>> _groups = new();
    private BucketBlockSet? _bucket;

    public SelectRequest Request => request;

    /// <summary>The fields to ask ingesters for: the request's, with lines (replicas are told apart by their lines).</summary>
    public EntryFields RemoteFields => request.Fields | EntryFields.Lines;

    public void AddBucket(BucketBlockSet bucket, CancellationToken cancellationToken)
    {
        _bucket = bucket;
        var blocks = new Dictionary<Labels, List<Source>>();
        bucket.Collect(request, blocks, cancellationToken);
        foreach (var (labels, sources) in blocks)
            foreach (var s in sources)
                // Each bucket block is its own origin: blocks of different ingesters hold replicas, and two compacted
                // blocks may overlap too (a replica uploaded after its siblings were compacted).
                Add(labels, s, "block:" + (s is DiskChunkSource d ? d.Block.Meta.Id : ""));
    }

    /// <summary>Adds an ingester's answer. Throws <see cref="StorageCorruptionException"/> naming <paramref name="origin"/>.</summary>
    public void AddRemote(ReadOnlyMemory<byte> response, string origin)
    {
        var remote = new Dictionary<Labels, List<Source>>();
        SourceWire.Read(response, origin, remote);
        foreach (var (labels, sources) in remote)
            foreach (var s in sources)
                Add(labels, s, origin);
    }

    private void Add(Labels labels, Source source, string origin)
    {
        if (!_groups.TryGetValue(labels, out var list))
            _groups[labels] = list = [];
        list.Add((source, origin));
    }

    public IReadOnlyList<IEntryIterator> Iterators()
    {
        var groups = new Dictionary<Labels, List<Source>>(_groups.Count);
        var replicated = new HashSet<Labels>();
        foreach (var (labels, list) in _groups)
        {
            groups[labels] = list.ConvertAll(s => s.Source);
            if (Overlapping(list))
                replicated.Add(labels);
        }
        return BlockSources.Iterators(groups, request, _bucket == null ? null : _bucket.ChunkDamaged, replicated.Contains);
    }

    /// <summary>True when two sources of different origins overlap in time (bounds inclusive): they may share entries.</summary>
    private static bool Overlapping(List<(Source Source, string Origin)> sources)
    {
        if (sources.Count < 2)
            return false;
        sources.Sort((a, b) => a.Source.MinT.CompareTo(b.Source.MinT));
        var reach = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var (source, origin) in sources)
        {
            foreach (var (o, maxT) in reach)
                if (o != origin && maxT >= source.MinT)
                    return true;
            reach[origin] = reach.TryGetValue(origin, out var m) ? Math.Max(m, source.MaxT) : source.MaxT;
        }
        return false;
    }
}
