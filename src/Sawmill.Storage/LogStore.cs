using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Sawmill.Core;
using Sawmill.Storage.Head;
using Sawmill.Storage.Wal;

namespace Sawmill.Storage;

/// <summary>
/// The store: a write-ahead log for durability and an in-memory head per tenant that answers queries.
/// Pushes are applied to the head, then the accepted entries are appended to the WAL; the push completes when the
/// WAL record is durable (group commit). <see cref="OpenAsync"/> replays the WAL, so a restart (even after
/// <c>kill -9</c>) restores every acknowledged entry. Thread-safe.
/// </summary>
public sealed class LogStore : ILogWriter, ILogReader, IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, TenantHead> _tenants = new(StringComparer.Ordinal);
    private readonly LogStoreOptions _options;
    private readonly ILogger _logger;
    private WalWriter _wal = null!;

    private LogStore(LogStoreOptions options, ILogger logger)
    {
        _options = options;
        _logger = logger;
    }

    public StorageMetrics Metrics { get; } = new();

    public static Task<LogStore> OpenAsync(LogStoreOptions options, ILogger logger)
    {
        var store = new LogStore(options, logger);
        var walDir = Path.Combine(options.Directory, "wal");
        Directory.CreateDirectory(walDir);
        var started = System.Diagnostics.Stopwatch.StartNew();
        var next = WalReplayer.Replay(walDir, store.ApplyReplayed, logger, out var records);
        store.Metrics.WalRecordsReplayed = records;
        if (records > 0)
            logger.LogInformation("WAL replayed: {Records} records, {Entries} entries in {Elapsed} ms", records, store.Metrics.Entries, started.ElapsedMilliseconds);
        store._wal = new WalWriter(walDir, next, options.SyncMode, options.WalSegmentSize, logger);
        return Task.FromResult(store);
    }

    private void ApplyReplayed(string tenant, List<PushStream> streams)
    {
        var head = _tenants.GetOrAdd(tenant, _ => new TenantHead());
        foreach (var s in streams)
        {
            var stream = head.GetOrCreate(s.Labels);
            foreach (var e in s.Entries)
            {
                if (stream.Append(e.TimestampNs, e.Line.ToArray(), e.Metadata))
                {
                    Interlocked.Increment(ref Metrics.EntriesAppended);
                    Interlocked.Add(ref Metrics.BytesAppended, e.Line.Length);
                }
            }
        }
    }

    public async ValueTask<PushResult> PushAsync(string tenant, IReadOnlyList<PushStream> streams, CancellationToken cancellationToken)
    {
        var head = _tenants.GetOrAdd(tenant, _ => new TenantHead());
        var accepted = new List<PushStream>(streams.Count);
        List<RejectedEntry>? rejected = null;
        long appended = 0, bytes = 0, duplicates = 0;
        var window = _options.OutOfOrderWindow.Ticks * 100;
        foreach (var s in streams)
        {
            var stream = head.GetOrCreate(s.Labels);
            var kept = new List<PushEntry>(s.Entries.Count);
            foreach (var e in s.Entries)
            {
                var newest = stream.MaxTimestamp;
                if (newest != long.MinValue && e.TimestampNs < newest - window)
                {
                    rejected ??= [];
                    rejected.Add(new RejectedEntry(s.Labels, e.TimestampNs, e.Line.Length,
                        $"entry too far behind, entry timestamp is: {Rfc3339(e.TimestampNs)}, oldest acceptable timestamp is: {Rfc3339(newest - window)}"));
                    continue;
                }
                var line = e.Line.ToArray();
                if (!stream.Append(e.TimestampNs, line, e.Metadata))
                {
                    duplicates++;
                    continue;
                }
                kept.Add(new PushEntry(e.TimestampNs, line, e.Metadata));
                appended++;
                bytes += line.Length;
            }
            if (kept.Count > 0)
                accepted.Add(new PushStream(s.Labels, kept));
        }
        if (accepted.Count > 0)
            await _wal.AppendAsync(WalFormat.EncodePush(tenant, accepted)).WaitAsync(cancellationToken).ConfigureAwait(false);
        Interlocked.Add(ref Metrics.EntriesAppended, appended);
        Interlocked.Add(ref Metrics.BytesAppended, bytes);
        Interlocked.Add(ref Metrics.DuplicatesDropped, duplicates);
        if (rejected != null)
            Interlocked.Add(ref Metrics.OutOfOrderRejected, rejected.Count);
        Metrics.WalBytes = Interlocked.Read(ref _wal.BytesWritten);
        Metrics.WalSyncs = Interlocked.Read(ref _wal.Syncs);
        return new PushResult(appended, bytes, duplicates, rejected);
    }

    private static string Rfc3339(long ns) => TimeNs.ToRfc3339Nano(ns);

    public IReadOnlyList<IEntryIterator> Select(SelectRequest request, CancellationToken cancellationToken)
    {
        if (!_tenants.TryGetValue(request.Tenant, out var head))
            return [];
        var result = new List<IEntryIterator>();
        foreach (var stream in head.Match(request.Matchers))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var entries = stream.Snapshot(request.StartNs, request.EndNs);
            if (entries.Length == 0)
                continue;
            result.Add(new HeadIterator(stream.Labels, entries, request.Direction, request.Fields, request.LineFilter, request.Statistics));
        }
        return result;
    }

    public IReadOnlyList<Labels> Series(string tenant, IReadOnlyList<LabelMatcher> matchers, long startNs, long endNs, CancellationToken cancellationToken)
    {
        if (!_tenants.TryGetValue(tenant, out var head))
            return [];
        var result = new List<Labels>();
        foreach (var s in head.Match(matchers))
            if (s.Overlaps(startNs, endNs))
                result.Add(s.Labels);
        result.Sort();
        return result;
    }

    public IReadOnlyList<string> LabelNames(string tenant, long startNs, long endNs, IReadOnlyList<LabelMatcher>? matchers, CancellationToken cancellationToken)
    {
        if (!_tenants.TryGetValue(tenant, out var head))
            return [];
        var names = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var s in head.Match(matchers))
        {
            if (!s.Overlaps(startNs, endNs))
                continue;
            foreach (var l in s.Labels.AsSpan())
                names.Add(l.Name);
        }
        return names.ToList();
    }

    public IReadOnlyList<string> LabelValues(string tenant, string name, long startNs, long endNs, IReadOnlyList<LabelMatcher>? matchers, CancellationToken cancellationToken)
    {
        if (!_tenants.TryGetValue(tenant, out var head))
            return [];
        var values = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var s in head.Match(matchers))
        {
            var v = s.Labels.Get(name);
            if (v != null && s.Overlaps(startNs, endNs))
                values.Add(v);
        }
        return values.ToList();
    }

    public IndexStats Stats(string tenant, IReadOnlyList<LabelMatcher> matchers, long startNs, long endNs, CancellationToken cancellationToken)
    {
        if (!_tenants.TryGetValue(tenant, out var head))
            return default;
        long streams = 0, entries = 0, bytes = 0;
        foreach (var s in head.Match(matchers))
        {
            var (n, b) = s.CountRange(startNs, endNs);
            if (n == 0)
                continue;
            streams++;
            entries += n;
            bytes += b;
        }
        // The head keeps one open chunk per stream.
        return new IndexStats(streams, streams, bytes, entries);
    }

    public IReadOnlyList<string> Tenants() => _tenants.Keys.OrderBy(t => t, StringComparer.Ordinal).ToList();

    /// <summary>Number of streams of a tenant (for limits such as <c>max_global_streams_per_user</c>).</summary>
    public int StreamCount(string tenant) => _tenants.TryGetValue(tenant, out var head) ? head.StreamCount : 0;

    /// <summary>True when the tenant already has this stream (limits apply only to new streams).</summary>
    public bool HasStream(string tenant, Labels labels) => _tenants.TryGetValue(tenant, out var head) && head.Find(labels) != null;

    public async ValueTask DisposeAsync() => await _wal.DisposeAsync().ConfigureAwait(false);
}
