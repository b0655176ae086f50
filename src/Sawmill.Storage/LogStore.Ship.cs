using System.Text.Json;
using Microsoft.Extensions.Logging;
using Sawmill.Storage.Blocks;
using Sawmill.Storage.Bucket;

namespace Sawmill.Storage;

// Shipping (write nodes with a bucket): flushed blocks are uploaded, kept readable for a while, then deleted locally.
public sealed partial class LogStore
{
    private const string UploadedMarker = "uploaded";
    private readonly object _shipLock = new();
    private readonly List<(TenantState Tenant, BlockReader Block)> _toShip = [];
    private readonly Dictionary<BlockReader, DateTime> _shippedAt = [];
    private readonly SemaphoreSlim _shipSignal = new(0);
    private TaskCompletionSource _shipIdle = NewIdle(true);
    private Task? _shipLoop;

    private static TaskCompletionSource NewIdle(bool done)
    {
        var tcs = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (done)
            tcs.SetResult();
        return tcs;
    }

    /// <summary>At open: blocks already uploaded wait for their drop; the others are queued for upload.</summary>
    private void StartShipping()
    {
        if (_options.Bucket == null)
            return;
        foreach (var t in _tenants.Values)
            foreach (var b in t.Blocks)
            {
                var marker = Path.Combine(b.Directory, UploadedMarker);
                if (File.Exists(marker))
                    _shippedAt[b] = File.GetLastWriteTimeUtc(marker);
                else
                    Enqueue(t, b);
            }
        _shipLoop = Task.Run(ShipLoopAsync);
    }

    private void Enqueue(TenantState tenant, BlockReader block)
    {
        lock (_shipLock)
        {
            _toShip.Add((tenant, block));
            if (_shipIdle.Task.IsCompleted)
                _shipIdle = NewIdle(false);
            Metrics.BlocksPendingUpload = _toShip.Count;
        }
        _shipSignal.Release();
    }

    /// <summary>
    /// Flushes everything in memory and waits until every block is in the bucket (Loki's <c>POST /flush</c> on a write
    /// node, and the first step of <c>/ingester/shutdown</c>). Without a bucket it is a forced flush.
    /// </summary>
    public async Task FlushAndShipAsync(CancellationToken cancellationToken)
    {
        await FlushAsync(force: true, cancellationToken).ConfigureAwait(false);
        if (_options.Bucket == null)
            return;
        Task idle;
        lock (_shipLock)
            idle = _shipIdle.Task;
        _shipSignal.Release();
        await idle.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task ShipLoopAsync()
    {
        var token = _stopping.Token;
        var backoff = TimeSpan.FromSeconds(1);
        while (!token.IsCancellationRequested)
        {
            try
            {
                await _shipSignal.WaitAsync(TimeSpan.FromSeconds(1), token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            (TenantState Tenant, BlockReader Block)[] pending;
            lock (_shipLock)
                pending = [.. _toShip];
            var failed = false;
            foreach (var (tenant, block) in pending)
            {
                try
                {
                    await UploadAsync(tenant.Name, block, token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (token.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception e)
                {
                    Interlocked.Increment(ref Metrics.UploadFailuresCount);
                    _logger.LogError("upload of block {Block} of tenant {Tenant} failed: {Message}; it stays on local disk and is retried in {Backoff}",
                        block.Meta.Id, tenant.Name, e.Message, backoff);
                    failed = true;
                    break;
                }
                lock (_shipLock)
                {
                    _toShip.Remove((tenant, block));
                    _shippedAt[block] = DateTime.UtcNow;
                    Metrics.BlocksPendingUpload = _toShip.Count;
                    if (_toShip.Count == 0)
                        _shipIdle.TrySetResult();
                }
            }
            if (failed)
            {
                try
                {
                    await Task.Delay(backoff, token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, TimeSpan.FromSeconds(30).Ticks));
                _shipSignal.Release();
                continue;
            }
            backoff = TimeSpan.FromSeconds(1);
            DropShipped();
        }
    }

    /// <summary>Uploads one block: chunks, index, then the meta (with this node as origin), which commits it.</summary>
    private async Task UploadAsync(string tenant, BlockReader block, CancellationToken cancellationToken)
    {
        var bucket = _options.Bucket!;
        var id = block.Meta.Id;
        var chunks = Path.Combine(block.Directory, "chunks");
        var index = Path.Combine(block.Directory, "index");
        await bucket.PutFileAsync(BucketLayout.BlockKey(tenant, id, BucketLayout.Chunks), chunks, cancellationToken).ConfigureAwait(false);
        await bucket.PutFileAsync(BucketLayout.BlockKey(tenant, id, BucketLayout.Index), index, cancellationToken).ConfigureAwait(false);
        var meta = JsonSerializer.Deserialize(await File.ReadAllBytesAsync(Path.Combine(block.Directory, "meta.json"), cancellationToken).ConfigureAwait(false),
            BlockMetaJsonContext.Default.BlockMeta)!;
        meta.Origin = _options.Origin;
        var metaBytes = JsonSerializer.SerializeToUtf8Bytes(meta, BlockMetaJsonContext.Default.BlockMeta);
        await bucket.PutAsync(BucketLayout.BlockKey(tenant, id, BucketLayout.Meta), metaBytes, cancellationToken).ConfigureAwait(false);
        await File.WriteAllBytesAsync(Path.Combine(block.Directory, UploadedMarker), [], cancellationToken).ConfigureAwait(false);
        Interlocked.Increment(ref Metrics.BlocksUploadedCount);
        Interlocked.Add(ref Metrics.BytesUploadedCount, new FileInfo(chunks).Length + new FileInfo(index).Length + metaBytes.Length);
        _logger.LogDebug("uploaded block {Block} of tenant {Tenant} to {Bucket}", id, tenant, bucket.Description);
    }

    /// <summary>Removes blocks uploaded more than <see cref="LogStoreOptions.RetainAfterUpload"/> ago from the view and the disk.</summary>
    private void DropShipped()
    {
        var now = DateTime.UtcNow;
        // TimeSpan.MaxValue (sawmill upload-blocks, which only copies): kept for good, and not a date to subtract.
        if (_options.RetainAfterUpload >= now - DateTime.MinValue)
            return;
        var due = now - _options.RetainAfterUpload;
        List<BlockReader> drop;
        lock (_shipLock)
            drop = _shippedAt.Where(kv => kv.Value <= due).Select(kv => kv.Key).ToList();
        if (drop.Count == 0)
            return;
        var set = drop.ToHashSet();
        foreach (var t in _tenants.Values)
        {
            lock (t.ViewLock)
                t.Blocks = t.Blocks.Where(b => !set.Contains(b)).ToArray();
        }
        foreach (var b in drop)
        {
            RemoveBlockDirectory(b.Directory, "uploaded");
            lock (_shipLock)
                _shippedAt.Remove(b);
            Interlocked.Increment(ref Metrics.BlocksDroppedCount);
        }
        UpdateDiskMetrics();
    }

    /// <summary>
    /// The oldest timestamp (Unix ns) of data this node holds that is not in the bucket yet — in memory or in blocks not
    /// uploaded — or <see cref="long.MaxValue"/> when everything is shipped (write nodes publish it in their ring entry).
    /// </summary>
    public long OldestUnshippedNs()
    {
        var oldest = long.MaxValue;
        foreach (var t in _tenants.Values)
            foreach (var s in t.Head.All)
                oldest = Math.Min(oldest, s.MinTimestamp);
        lock (_shipLock)
            foreach (var (_, b) in _toShip)
                oldest = Math.Min(oldest, b.Meta.MinTime);
        return oldest;
    }
}
