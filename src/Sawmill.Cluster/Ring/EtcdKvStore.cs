using dotnet_etcd;
using Etcdserverpb;
using Google.Protobuf;
using Grpc.Core;

namespace Sawmill.Cluster.Ring;

/// <summary>
/// The ring's key-value store on etcd (v3 API over gRPC, through the maintained <c>dotnet-etcd</c> client). Every call
/// has a deadline of <see cref="DialTimeout"/>, so an unreachable etcd fails calls instead of hanging them. Thread-safe.
/// </summary>
public sealed class EtcdKvStore : IKvStore
{
    private readonly EtcdClient _client;

    /// <param name="endpoints"><c>host:port</c> or URLs of the etcd members.</param>
    public EtcdKvStore(IReadOnlyList<string> endpoints, TimeSpan dialTimeout, string? username = null, string? password = null)
    {
        var urls = string.Join(",", endpoints.Select(e => e.Contains("://", StringComparison.Ordinal) ? e : "http://" + e));
        _client = string.IsNullOrEmpty(username)
            ? new EtcdClient(urls)
            : new EtcdClient(urls, username, password ?? "");
        DialTimeout = dialTimeout;
        Description = "etcd " + string.Join(",", endpoints);
    }

    public string Description { get; }
    public TimeSpan DialTimeout { get; }

    private DateTime Deadline => DateTime.UtcNow + DialTimeout;

    public async Task<IReadOnlyList<KeyValuePair<string, byte[]>>> ListAsync(string prefix, CancellationToken cancellationToken)
    {
        var r = await Call(() => _client.GetRangeAsync(prefix, deadline: Deadline, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return r.Kvs.Select(kv => KeyValuePair.Create(kv.Key.ToStringUtf8(), kv.Value.ToByteArray())).ToList();
    }

    public async Task<long> GrantAsync(TimeSpan ttl, CancellationToken cancellationToken)
    {
        var r = await Call(() => _client.LeaseGrantAsync(new LeaseGrantRequest { TTL = Math.Max(1, (long)Math.Ceiling(ttl.TotalSeconds)) },
            deadline: Deadline, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return r.ID;
    }

    public async Task RenewAsync(long lease, CancellationToken cancellationToken)
    {
        // One keep-alive round trip on the streaming call: etcd answers TTL 0 for a lease it no longer has.
        long ttl = -1;
        using var done = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        done.CancelAfter(DialTimeout);
        try
        {
            await _client.LeaseKeepAlive(new LeaseKeepAliveRequest { ID = lease }, response =>
            {
                ttl = response.TTL;
                done.Cancel();
            }, done.Token, null).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or RpcException && ttl >= 0 && !cancellationToken.IsCancellationRequested)
        {
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new RingException($"etcd did not renew lease {lease:x} within {DialTimeout}");
        }
        if (ttl == 0)
            throw new LeaseExpiredException($"etcd lease {lease:x} has expired");
    }

    public async Task RevokeAsync(long lease, CancellationToken cancellationToken)
    {
        try
        {
            await _client.LeaseRevokeAsync(new LeaseRevokeRequest { ID = lease }, deadline: Deadline, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (RpcException e) when (e.Status.Detail.Contains("lease not found", StringComparison.Ordinal))
        {
        }
    }

    public async Task PutAsync(string key, byte[] value, long lease, CancellationToken cancellationToken)
    {
        try
        {
            await _client.PutAsync(new PutRequest { Key = ByteString.CopyFromUtf8(key), Value = ByteString.CopyFrom(value), Lease = lease },
                deadline: Deadline, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (RpcException e) when (e.Status.Detail.Contains("lease not found", StringComparison.Ordinal))
        {
            throw new LeaseExpiredException($"etcd lease {lease:x} has expired");
        }
    }

    public async Task<bool> CreateAsync(string key, byte[] value, long lease, CancellationToken cancellationToken)
    {
        var txn = new TxnRequest();
        txn.Compare.Add(new Compare
        {
            Key = ByteString.CopyFromUtf8(key),
            Target = Compare.Types.CompareTarget.Create,
            Result = Compare.Types.CompareResult.Equal,
            CreateRevision = 0,
        });
        txn.Success.Add(new RequestOp { RequestPut = new PutRequest { Key = ByteString.CopyFromUtf8(key), Value = ByteString.CopyFrom(value), Lease = lease } });
        try
        {
            var r = await _client.TransactionAsync(txn, deadline: Deadline, cancellationToken: cancellationToken).ConfigureAwait(false);
            return r.Succeeded;
        }
        catch (RpcException e) when (e.Status.Detail.Contains("lease not found", StringComparison.Ordinal))
        {
            throw new LeaseExpiredException($"etcd lease {lease:x} has expired");
        }
    }

    public async Task DeleteAsync(string key, CancellationToken cancellationToken) =>
        await Call(() => _client.DeleteAsync(key, deadline: Deadline, cancellationToken: cancellationToken)).ConfigureAwait(false);

    private async Task<T> Call<T>(Func<Task<T>> call)
    {
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (RpcException e) when (e.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded)
        {
            throw new RingException($"{Description}: {e.StatusCode} ({e.Status.Detail})");
        }
    }

    public ValueTask DisposeAsync()
    {
        _client.Dispose();
        return ValueTask.CompletedTask;
    }
}
