using Microsoft.Extensions.Logging;
using Prometheus;
using Sawmill.Cluster.Ring;
using Sawmill.Core;
using Sawmill.Server.Retention;
using Sawmill.Storage.Bucket;

namespace Sawmill.Server.Cluster;

/// <summary>
/// The backend's compactor: every <c>compactor.compaction_interval</c>, on the one backend node that holds the
/// compactor's leader lease in etcd, a <see cref="BucketCompactor"/> run merges the ingesters' uploaded blocks, applies
/// retention (<c>compactor.retention_enabled</c>) and the delete requests past their cancel period, recompresses cold
/// chunks and deletes replaced blocks after <c>compactor.retention_delete_delay</c>. A delete request is marked
/// processed once no write node still holds unshipped data from its time range (the oldest unshipped timestamp each
/// write node publishes in its ring entry). Runs never overlap; a failed run is logged and retried. Thread-safe.
/// </summary>
public sealed class BucketCompactorService : IAsyncDisposable
{
    private static readonly Counter Runs = Prometheus.Metrics.CreateCounter("sawmill_bucket_compactor_runs_total", "Bucket compactor runs by outcome.", "status");
    private static readonly Gauge Leader = Prometheus.Metrics.CreateGauge("sawmill_bucket_compactor_leader", "1 while this node holds the compactor lease.");
    private static readonly Counter Merged = Prometheus.Metrics.CreateCounter("sawmill_bucket_compactor_duplicates_merged_total", "Replica entries merged away by the bucket compactor.");

    private readonly ClusterNode _node;
    private readonly BucketCompactor _compactor;
    private readonly RetentionPolicy _retention;
    private readonly DeleteRequestStore _deletes;
    private readonly Config.SawmillConfig _config;
    private readonly LeaderLease _lease;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly SemaphoreSlim _running = new(1, 1);
    private Task? _loop;

    public BucketCompactorService(ClusterNode node, Config.SawmillConfig config, RetentionPolicy retention, DeleteRequestStore deletes, string dataDir, ILoggerFactory loggers)
    {
        _node = node;
        _config = config;
        _retention = retention;
        _deletes = deletes;
        _logger = loggers.CreateLogger("compactor");
        _compactor = new BucketCompactor(node.Blocks!, new BucketCompactorOptions
        {
            WorkingDirectory = Path.Combine(dataDir, "compactor"),
            ChunkTargetSize = config.ChunkTargetSize,
            BlockSize = config.ChunkBlockSize,
            Recompression = new Storage.Compaction.RecompressionSettings { ZstdLevel = config.RecompressLevel },
            DeleteDelay = config.Cluster.RetentionDeleteDelay,
        }, _logger);
        // The lease outlives a few renewals; a holder that dies frees it after the heartbeat timeout.
        _lease = new LeaderLease(node.Kv, config.Cluster.KvPrefix + "compactor/leader", node.InstanceId, config.Cluster.HeartbeatTimeout, _logger);
        _lease.Changed += held => Leader.Set(held ? 1 : 0);
    }

    public bool IsLeader => _lease.IsHeld;

    public void Start()
    {
        _lease.Start();
        _loop = Task.Run(LoopAsync);
    }

    private async Task LoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(_config.CompactionInterval, _stop.Token).ConfigureAwait(false);
                if (_lease.IsHeld)
                    await RunOnceAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                _logger.LogDebug(e, "bucket compaction run failed");
            }
        }
    }

    /// <summary>One run now, if this node holds the lease (waits for a run in progress). False when it does not.</summary>
    public async Task<bool> RunOnceAsync(CancellationToken cancellationToken)
    {
        await _running.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!_lease.IsHeld)
                return false;
            var now = TimeNs.Now();
            var due = _deletes.Due(now);
            var policy = _retention.ForCompaction(_config.RetentionEnabled, due);
            var cold = _config.RecompressAfter > TimeSpan.Zero ? now - _config.RecompressAfter.Ticks * 100 : long.MinValue;
            BucketCompactionResult result;
            try
            {
                result = await _compactor.RunAsync(policy, cold, () => _lease.IsHeld, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                Runs.WithLabels("failure").Inc();
                _logger.LogError("bucket compaction failed: {Message}; the next run retries", e.Message);
                throw;
            }
            // Lines of a request that a write node may still hold unshipped reach the bucket later, and a tenant whose
            // blocks the run could not all read may still hold some: the request stays "received" (queries keep hiding
            // its lines) until a run after they were shipped that covered every block of the tenant.
            await _node.Ingesters.RefreshAsync(cancellationToken).ConfigureAwait(false);
            var unshipped = _node.Ingesters.Current.Instances.Select(i => i.OldestUnshippedNs).DefaultIfEmpty(long.MaxValue).Min();
            var processed = due.Where(d => d.Request.EndNs < unshipped && !result.Incomplete.Contains(d.Request.Tenant)).Select(d => d.Request.RequestId).ToList();
            await _deletes.MarkProcessedAsync(processed, TimeNs.Now(), cancellationToken).ConfigureAwait(false);
            Runs.WithLabels("success").Inc();
            Merged.Inc(result.DuplicatesMerged);
            if (result.BlocksIn > 0 || result.BlocksDeleted > 0 || processed.Count > 0)
                _logger.LogInformation("bucket compaction done blocks_in={In} blocks_out={Out} entries_removed={Removed} duplicates_merged={Dups} bytes_before={Before} bytes_after={After} blocks_deleted={Deleted} chunks_recompressed={Cold} delete_requests_processed={Processed} duration={Duration}",
                    result.BlocksIn, result.BlocksOut, result.EntriesRemoved, result.DuplicatesMerged, result.BytesBefore, result.BytesAfter, result.BlocksDeleted, result.ChunksRecompressed, processed.Count, result.Elapsed);
            return true;
        }
        finally
        {
            _running.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_loop != null)
            await _loop.ConfigureAwait(false);
        await _lease.DisposeAsync().ConfigureAwait(false);
        _stop.Dispose();
    }
}
