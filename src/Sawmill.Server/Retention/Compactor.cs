using Microsoft.Extensions.Logging;
using Prometheus;
using Sawmill.Core;
using Sawmill.Storage;

namespace Sawmill.Server.Retention;

/// <summary>
/// The compactor: every <c>compactor.compaction_interval</c> it rewrites the persisted blocks, removing entries past
/// their stream's retention (<c>retention_period</c>, <c>retention_stream</c>; only with
/// <c>compactor.retention_enabled</c>, as in Loki) and entries of delete requests whose cancel period is over, and
/// merging small blocks. A delete request becomes <c>processed</c> once a run finished while none of its entries were
/// still waiting in memory to be flushed — from then on its lines are gone from disk. Queries hide both kinds of entry
/// from the start (<see cref="GovernedReader"/>, with the same <see cref="RetentionPolicy"/>), so a run only gives the disk space back. After that, each run
/// recompresses the blocks whose newest entry is older than <see cref="RecompressAfter"/> (Sawmill's
/// <c>compactor.recompress_after</c>) for cold storage, once per chunk (<see cref="LogStore.RecompressAsync"/>). Runs
/// never overlap; a failed run is logged, counted and retried on the next interval. Thread-safe.
/// </summary>
public sealed class Compactor : IAsyncDisposable
{
    private static readonly Counter Runs = Metrics.CreateCounter("sawmill_compactor_runs_total", "Compactor runs by outcome.", "status");
    private static readonly Gauge LastSuccess = Metrics.CreateGauge("sawmill_compactor_last_successful_run_timestamp_seconds", "Unix time of the last compactor run that succeeded.");
    private static readonly Gauge LastDuration = Metrics.CreateGauge("sawmill_compactor_last_run_duration_seconds", "How long the last compactor run took.");
    private static readonly Counter Reclaimed = Metrics.CreateCounter("sawmill_compactor_bytes_reclaimed_total", "Disk bytes given back by compactor runs (blocks removed or rewritten smaller).");
    private static readonly Counter Removed = Metrics.CreateCounter("sawmill_compactor_entries_removed_total", "Entries removed from disk by retention and delete requests.");
    private static readonly Counter Recompressed = Metrics.CreateCounter("sawmill_compactor_recompressed_bytes_total",
        "Disk bytes of the blocks cold recompression rewrote: stage=\"before\" what they took before, stage=\"after\" what they take now.", "stage");
    private static readonly Counter RecompressedChunks = Metrics.CreateCounter("sawmill_compactor_recompressed_chunks_total", "Chunks re-encoded by cold recompression.");
    private static readonly Counter DeletesProcessed = Metrics.CreateCounter("sawmill_compactor_delete_requests_processed_total", "Delete requests whose lines are gone from disk.");

    private readonly LogStore _store;
    private readonly RetentionPolicy _retention;
    private readonly DeleteRequestStore _deletes;
    private readonly bool _retentionEnabled;
    private readonly TimeSpan _interval;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly SemaphoreSlim _running = new(1, 1);
    private Task? _loop;

    public Compactor(LogStore store, RetentionPolicy retention, DeleteRequestStore deletes, bool retentionEnabled, TimeSpan interval, ILogger logger)
    {
        _store = store;
        _retention = retention;
        _deletes = deletes;
        _retentionEnabled = retentionEnabled;
        _interval = interval;
        _logger = logger;
    }

    /// <summary>
    /// Blocks whose newest entry is older than this are recompressed for cold storage after each run's retention and
    /// merge work; <see cref="TimeSpan.Zero"/> disables it.
    /// </summary>
    public TimeSpan RecompressAfter { get; init; }

    /// <summary>Starts the periodic loop (the first run one interval after start, like Loki's).</summary>
    public void Start() => _loop = Task.Run(LoopAsync);

    private async Task LoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(_interval, _stop.Token).ConfigureAwait(false);
                await RunOnceAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                // Counted and logged in RunOnceAsync; the next interval retries.
                _logger.LogDebug(e, "compactor run failed");
            }
        }
    }

    /// <summary>One compaction run now (waits for a run in progress to finish first).</summary>
    public async Task<Storage.Compaction.CompactionResult> RunOnceAsync(CancellationToken cancellationToken)
    {
        await _running.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var now = TimeNs.Now();
            var due = _deletes.Due(now);
            // Requests with entries still in memory are applied now to what is on disk but stay "received": the rest
            // reaches disk with a later flush and a later run removes it.
            var waiting = due.Where(d => _store.HeadHolds(d.Request.Tenant, d.Matchers, d.Request.StartNs, d.Request.EndNs))
                .Select(d => d.Request.RequestId).ToHashSet(StringComparer.Ordinal);
            var policy = _retention.ForCompaction(_retentionEnabled, due);
            Storage.Compaction.CompactionResult result;
            try
            {
                // Chunks old enough for cold storage are recompressed in the blocks this run merges anyway.
                var recompressBefore = RecompressAfter > TimeSpan.Zero ? now - RecompressAfter.Ticks * 100 : long.MinValue;
                result = await _store.CompactAsync(policy, recompressBefore, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                Runs.WithLabels("failure").Inc();
                _logger.LogError(e, "compaction failed; nothing was removed that should be kept, the next run retries");
                throw;
            }
            var processed = due.Select(d => d.Request.RequestId).Where(id => !waiting.Contains(id)).ToList();
            await _deletes.MarkProcessedAsync(processed, TimeNs.Now(), cancellationToken).ConfigureAwait(false);
            Reclaimed.Inc(Math.Max(0, result.BytesReclaimed));
            Removed.Inc(result.EntriesRemoved);
            DeletesProcessed.Inc(processed.Count);
            if (result.BlocksCompacted > 0 || processed.Count > 0)
                _logger.LogInformation("compaction done blocks_in={BlocksIn} blocks_out={BlocksOut} entries_removed={Removed} bytes_before={Before} bytes_after={After} delete_requests_processed={Processed} duration={Duration}",
                    result.BlocksCompacted, result.BlocksWritten, result.EntriesRemoved, result.BytesBefore, result.BytesAfter, processed.Count, result.Elapsed);
            // Deletes are done on disk; recompression comes after so that its failure never holds them back.
            var cold = Storage.Compaction.RecompressionResult.None;
            if (RecompressAfter > TimeSpan.Zero)
            {
                // The blocks the merge did not touch.
                try
                {
                    cold = await _store.RecompressAsync(TimeNs.Now() - RecompressAfter.Ticks * 100, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
                {
                    Runs.WithLabels("failure").Inc();
                    _logger.LogError(e, "cold recompression failed; the blocks stay as they were and the next run retries");
                    throw;
                }
                var merged = result.Recompressed;
                Recompressed.WithLabels("before").Inc(cold.BytesBefore + merged.BytesBefore);
                Recompressed.WithLabels("after").Inc(cold.BytesAfter + merged.BytesAfter);
                RecompressedChunks.Inc(cold.ChunksRecompressed + merged.ChunksRecompressed);
                if (cold.ChunksRecompressed + merged.ChunksRecompressed > 0)
                    _logger.LogInformation("recompression done blocks={Blocks} chunks={Chunks} raw_bytes={Raw} bytes_before={Before} bytes_after={After} duration={Duration}",
                        cold.BlocksRewritten, cold.ChunksRecompressed + merged.ChunksRecompressed, cold.RawBytes + merged.RawBytes,
                        cold.BytesBefore + merged.BytesBefore, cold.BytesAfter + merged.BytesAfter, cold.Elapsed);
            }
            Runs.WithLabels("success").Inc();
            LastSuccess.SetToCurrentTimeUtc();
            LastDuration.Set((result.Elapsed + cold.Elapsed).TotalSeconds);
            return result;
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
    }
}
