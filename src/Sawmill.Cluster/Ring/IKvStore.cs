namespace Sawmill.Cluster.Ring;

/// <summary>
/// The key-value store rings and leases live in (Loki's <c>kvstore</c>): etcd for a cluster, or in memory for one
/// process. Keys can be tied to a lease that expires unless kept alive, which is how a node that stops heart-beating
/// leaves the ring and a compactor that dies gives up its lock. Thread-safe.
/// </summary>
public interface IKvStore : IAsyncDisposable
{
    /// <summary>What the store is, for logs (<c>etcd 127.0.0.1:2379</c>, <c>inmemory</c>).</summary>
    string Description { get; }

    /// <summary>Every key under <paramref name="prefix"/> with its value.</summary>
    Task<IReadOnlyList<KeyValuePair<string, byte[]>>> ListAsync(string prefix, CancellationToken cancellationToken);

    /// <summary>A new lease that expires after <paramref name="ttl"/> unless renewed.</summary>
    Task<long> GrantAsync(TimeSpan ttl, CancellationToken cancellationToken);

    /// <summary>Renews a lease once. Throws <see cref="LeaseExpiredException"/> when it is gone.</summary>
    Task RenewAsync(long lease, CancellationToken cancellationToken);

    /// <summary>Ends a lease now, deleting its keys.</summary>
    Task RevokeAsync(long lease, CancellationToken cancellationToken);

    /// <summary>Writes a key tied to <paramref name="lease"/> (0: none). Throws <see cref="LeaseExpiredException"/>.</summary>
    Task PutAsync(string key, byte[] value, long lease, CancellationToken cancellationToken);

    /// <summary>Writes a key only if it does not exist; true when written.</summary>
    Task<bool> CreateAsync(string key, byte[] value, long lease, CancellationToken cancellationToken);

    Task DeleteAsync(string key, CancellationToken cancellationToken);
}

/// <summary>The lease a key was to be tied to has expired (the node was silent longer than its TTL).</summary>
public sealed class LeaseExpiredException(string message) : Exception(message);
