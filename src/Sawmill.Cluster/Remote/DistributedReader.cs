using Microsoft.Extensions.Logging;
using Sawmill.Cluster.Ring;
using Sawmill.Core;
using Sawmill.Storage.Bucket;
using Sawmill.Storage.Query;

namespace Sawmill.Cluster.Remote;

/// <summary>
/// The querier's storage in the scalable deployment: everything in the bucket (through the node's
/// <see cref="BucketBlockSet"/>) plus, for queries that reach into the last <c>querier.query_ingesters_within</c>, what
/// every healthy ingester on the ring holds (Loki asks all of them, tolerating as many failures as a stream has spare
/// replicas). The sources of each stream are merged in one iterator that drops the replicas' duplicates. The series,
/// label and stats answers merge per-stream figures: the largest of the replicas, plus the bucket's. Thread-safe.
/// </summary>
/// <param name="retainWindow">How long write nodes keep answering for blocks they uploaded, with a margin: ingesters
/// are told to leave out the bucket blocks committed in that window (the view has them).</param>
public sealed class DistributedReader(RingClient ingesters, BucketBlockSet bucket, IngesterClient client, TimeSpan queryIngestersWithin, TimeSpan retainWindow, ILogger logger) : ILogReader
{
    private bool AsksIngesters(long endNs) =>
        queryIngestersWithin <= TimeSpan.Zero || endNs > TimeNs.Now() - queryIngestersWithin.Ticks * 100;

    private HashSet<string> OmitBlocks(string tenant) => bucket.RecentBlockIds(tenant, retainWindow);

    /// <summary>Calls every healthy ingester; throws when more fail than the ring tolerates.</summary>
    private List<(string Addr, byte[] Body)> AskAll(Func<string, Task<byte[]>> call, CancellationToken cancellationToken)
    {
        ReplicationSet set;
        try
        {
            set = ingesters.Current.GetAll(Operation.Read, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        }
        catch (RingException e) when (e.Message == "empty ring")
        {
            return [];
        }
        var tasks = set.Instances.Select(i => (i.Addr, Task: call(i.Addr))).ToList();
        try
        {
            // The engine reads synchronously on a pool thread; the wait is on the network, bounded by the client's timeout.
            Task.WhenAll(tasks.Select(t => t.Task)).Wait(cancellationToken);
        }
        catch (AggregateException)
        {
        }
        cancellationToken.ThrowIfCancellationRequested();
        var failed = tasks.Where(t => !t.Task.IsCompletedSuccessfully).ToList();
        foreach (var f in failed)
            logger.LogWarning("querying ingester {Addr} failed: {Message}", f.Addr, f.Task.Exception?.InnerException?.Message ?? "cancelled");
        if (failed.Count > set.MaxErrors)
            throw new ReplicationException($"failed to query {failed.Count} of {tasks.Count} ingesters: {failed[0].Task.Exception?.InnerException?.Message}");
        return tasks.Where(t => t.Task.IsCompletedSuccessfully).Select(t => (t.Addr, t.Task.Result)).ToList();
    }

    public IReadOnlyList<IEntryIterator> Select(SelectRequest request, CancellationToken cancellationToken)
    {
        var selection = new Selection(request);
        if (AsksIngesters(request.EndNs))
        {
            var remote = new RemoteRequest
            {
                Matchers = request.Matchers,
                StartNs = request.StartNs,
                EndNs = request.EndNs,
                Direction = request.Direction,
                Fields = selection.RemoteFields,
                OmitBlocks = OmitBlocks(request.Tenant),
            };
            foreach (var (addr, body) in AskAll(addr => client.SelectAsync(addr, request.Tenant, remote, cancellationToken), cancellationToken))
                selection.AddRemote(body, "ingester " + addr);
        }
        selection.AddBucket(bucket, cancellationToken);
        return selection.Iterators();
    }

    /// <summary>Per-stream figures: the largest of the ingesters' (replicas hold the same stream) plus the bucket's.</summary>
    public Dictionary<Labels, StreamSummary> Summaries(string tenant, IReadOnlyList<LabelMatcher>? matchers, long startNs, long endNs, CancellationToken cancellationToken)
    {
        var result = bucket.Summaries(tenant, matchers, startNs, endNs, cancellationToken);
        if (!AsksIngesters(endNs))
            return result;
        var remote = new RemoteRequest { Matchers = matchers, StartNs = startNs, EndNs = endNs, OmitBlocks = OmitBlocks(tenant) };
        var best = new Dictionary<Labels, StreamSummary>();
        foreach (var (addr, body) in AskAll(addr => client.SummariesAsync(addr, tenant, remote, cancellationToken), cancellationToken))
            StreamSummaries.MaxInto(best, SummaryWire.Read(body, "ingester " + addr));
        StreamSummaries.AddInto(result, best);
        return result;
    }

    public IReadOnlyList<Labels> Series(string tenant, IReadOnlyList<LabelMatcher> matchers, long startNs, long endNs, CancellationToken cancellationToken) =>
        StreamSummaries.Series(Summaries(tenant, matchers, startNs, endNs, cancellationToken));

    public IReadOnlyList<string> LabelNames(string tenant, long startNs, long endNs, IReadOnlyList<LabelMatcher>? matchers, CancellationToken cancellationToken) =>
        StreamSummaries.LabelNames(Summaries(tenant, matchers, startNs, endNs, cancellationToken));

    public IReadOnlyList<string> LabelValues(string tenant, string name, long startNs, long endNs, IReadOnlyList<LabelMatcher>? matchers, CancellationToken cancellationToken) =>
        StreamSummaries.LabelValues(Summaries(tenant, matchers, startNs, endNs, cancellationToken), name);

    public IndexStats Stats(string tenant, IReadOnlyList<LabelMatcher> matchers, long startNs, long endNs, CancellationToken cancellationToken) =>
        StreamSummaries.Stats(Summaries(tenant, matchers, startNs, endNs, cancellationToken));

    public IReadOnlyList<string> Tenants()
    {
        var tenants = new SortedSet<string>(bucket.Tenants(), StringComparer.Ordinal);
        try
        {
            foreach (var (_, body) in AskAll(async addr => System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(await client.TenantsAsync(addr, CancellationToken.None).ConfigureAwait(false)), CancellationToken.None))
                tenants.UnionWith(System.Text.Json.JsonSerializer.Deserialize<List<string>>(body) ?? []);
        }
        catch (ReplicationException e)
        {
            logger.LogWarning("listing the ingesters' tenants: {Message}", e.Message);
        }
        return tenants.ToList();
    }
}
