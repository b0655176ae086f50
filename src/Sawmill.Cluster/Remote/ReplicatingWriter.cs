using System.Buffers;
using Microsoft.Extensions.Logging;
using Sawmill.Cluster.Ring;
using Sawmill.Core;
using Sawmill.Storage.Wal;

namespace Sawmill.Cluster.Remote;

/// <summary>
/// The distributor's write path in the scalable deployment: every stream goes to the <c>replication_factor</c>
/// ingesters that own its token on the ring (Loki's hash of tenant and labels), one request per ingester carrying all
/// its streams. The push completes once every stream is durable — in the ingester's own WAL — on a quorum of
/// <c>floor(RF/2)+1</c> of them; slower replicas finish in the background. A stream that loses more replicas than it
/// can spare fails the push (500), so the client retries. This node's own ingester is called in process.
/// Thread-safe.
/// </summary>
public sealed class ReplicatingWriter(RingClient ring, string selfId, ILogWriter local, IngesterClient client, ILogger logger) : ILogWriter
{
    public async ValueTask<PushResult> PushAsync(string tenant, IReadOnlyList<PushStream> streams, CancellationToken cancellationToken)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var current = ring.Current;
        var sets = new ReplicationSet[streams.Count];
        var byInstance = new Dictionary<string, (InstanceDesc Desc, List<int> Streams)>(StringComparer.Ordinal);
        for (var i = 0; i < streams.Count; i++)
        {
            try
            {
                sets[i] = current.Get(HashRing.TokenFor(tenant, streams[i].Labels.ToString()), Operation.Write, now);
            }
            catch (RingException e)
            {
                throw new ReplicationException(e.Message);
            }
            foreach (var instance in sets[i].Instances)
            {
                if (!byInstance.TryGetValue(instance.Id, out var group))
                    byInstance[instance.Id] = group = (instance, []);
                group.Streams.Add(i);
            }
        }

        var tracker = new QuorumTracker(sets);
        // Ingesters that get the same streams (all of them when there are as many ingesters as replicas) share one
        // encoded record; it is encoded before the first await, while the request's buffers are still valid.
        var records = new Dictionary<string, SharedRecord>(StringComparer.Ordinal);
        var sends = new List<(bool IsLocal, InstanceDesc Desc, List<int> Indexes, SharedRecord? Record)>();
        foreach (var (id, (desc, indexes)) in byInstance)
        {
            SharedRecord? record = null;
            if (id != selfId)
            {
                var key = string.Join(',', indexes);
                if (!records.TryGetValue(key, out record))
                    records[key] = record = new SharedRecord(PushWire.EncodePooled(tenant, indexes.Select(i => streams[i]).ToList()));
                record.AddUser();
            }
            sends.Add((id == selfId, desc, indexes, record));
        }
        foreach (var (isLocal, desc, indexes, record) in sends)
            _ = SendAsync(isLocal, desc, tenant, isLocal ? indexes.Select(i => streams[i]).ToList() : null, record, indexes, tracker, cancellationToken);
        return await tracker.Done.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>An encoded push record shared by the sends to several ingesters; its pooled buffer goes back after the last.</summary>
    private sealed class SharedRecord((byte[] Buffer, int Length) encoded)
    {
        private int _users;

        public ReadOnlyMemory<byte> Bytes => encoded.Buffer.AsMemory(0, encoded.Length);

        public void AddUser() => Interlocked.Increment(ref _users);

        public void Release()
        {
            if (Interlocked.Decrement(ref _users) == 0)
                ArrayPool<byte>.Shared.Return(encoded.Buffer);
        }
    }

    private async Task SendAsync(bool isLocal, InstanceDesc desc, string tenant, List<PushStream>? subset, SharedRecord? record, List<int> indexes, QuorumTracker tracker, CancellationToken cancellationToken)
    {
        try
        {
            PushResult result;
            if (isLocal)
            {
                result = await local.PushAsync(tenant, subset!, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                try
                {
                    result = await client.PushAsync(desc.Addr, tenant, record!.Bytes, cancellationToken).ConfigureAwait(false);
                }
                finally
                {
                    record!.Release();
                }
            }
            tracker.Succeeded(indexes, result);
        }
        catch (Exception e)
        {
            logger.LogDebug("push to ingester {Addr} failed: {Message}", desc.Addr, e.Message);
            tracker.Failed(indexes, $"{desc.Addr}: {e.Message}");
        }
    }

    /// <summary>Counts successes and failures per stream and completes once every stream has its quorum (or one cannot).</summary>
    private sealed class QuorumTracker
    {
        private readonly ReplicationSet[] _sets;
        private readonly int[] _ok;
        private readonly int[] _failed;
        private readonly List<RejectedEntry> _rejected = [];
        private readonly HashSet<(Labels, long)> _seenRejects = [];
        private readonly TaskCompletionSource<PushResult> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _pending;
        private long _appended, _bytes, _duplicates;

        public QuorumTracker(ReplicationSet[] sets)
        {
            _sets = sets;
            _ok = new int[sets.Length];
            _failed = new int[sets.Length];
            _pending = sets.Length;
            if (sets.Length == 0)
                _done.SetResult(new PushResult(0, 0, 0));
        }

        public Task<PushResult> Done => _done.Task;

        public void Succeeded(List<int> indexes, PushResult result)
        {
            lock (this)
            {
                if (_done.Task.IsCompleted)
                    return;
                // The figures of the first replica to answer stand for the push (replicas store the same entries).
                var first = false;
                foreach (var i in indexes)
                {
                    if (_ok[i] == 0)
                        first = true;
                    if (++_ok[i] == _sets[i].MinSuccess)
                        _pending--;
                }
                if (first)
                {
                    _appended = Math.Max(_appended, result.EntriesAppended);
                    _bytes = Math.Max(_bytes, result.BytesAppended);
                    _duplicates = Math.Max(_duplicates, result.DuplicatesDropped);
                }
                foreach (var r in result.Rejected ?? [])
                    if (_seenRejects.Add((r.Stream, r.TimestampNs)))
                        _rejected.Add(r);
                if (_pending == 0)
                    _done.TrySetResult(new PushResult(_appended, _bytes, _duplicates, _rejected.Count > 0 ? _rejected : null));
            }
        }

        public void Failed(List<int> indexes, string error)
        {
            lock (this)
            {
                if (_done.Task.IsCompleted)
                    return;
                foreach (var i in indexes)
                    if (++_failed[i] > _sets[i].MaxErrors)
                    {
                        _done.TrySetException(new ReplicationException(
                            $"failed to write to {_failed[i]} of {_sets[i].Instances.Count} ingesters of a stream (at least {_sets[i].MinSuccess} must succeed): {error}"));
                        return;
                    }
            }
        }
    }
}

/// <summary>A push could not reach a quorum of ingesters; answered 500 so that clients retry.</summary>
public sealed class ReplicationException(string message) : Exception(message);
