using System.Collections.Concurrent;

namespace Sawmill.Cluster.Ring;

/// <summary>
/// Loki's <c>inmemory</c> kvstore: a process-wide table, so every component of one process shares its rings and
/// leases; nothing is shared with other processes. Leases expire on their TTL as etcd's do. Thread-safe.
/// </summary>
public sealed class InMemoryKvStore : IKvStore
{
    /// <summary>The table every instance in this process uses.</summary>
    private static readonly ConcurrentDictionary<string, (byte[] Value, long Lease)> Keys = new(StringComparer.Ordinal);
    private static readonly ConcurrentDictionary<long, (TimeSpan Ttl, long ExpiresMs)> Leases = new();
    private static long s_nextLease;
    private static readonly object Lock = new();

    public string Description => "inmemory";

    private static long Now => Environment.TickCount64;

    private static void Expire()
    {
        var now = Now;
        foreach (var (id, lease) in Leases)
            if (lease.ExpiresMs <= now)
                Drop(id);
    }

    private static void Drop(long lease)
    {
        Leases.TryRemove(lease, out _);
        foreach (var (key, v) in Keys)
            if (v.Lease == lease)
                Keys.TryRemove(key, out _);
    }

    public Task<IReadOnlyList<KeyValuePair<string, byte[]>>> ListAsync(string prefix, CancellationToken cancellationToken)
    {
        lock (Lock)
        {
            Expire();
            IReadOnlyList<KeyValuePair<string, byte[]>> result = Keys.Where(kv => kv.Key.StartsWith(prefix, StringComparison.Ordinal))
                .OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => KeyValuePair.Create(kv.Key, kv.Value.Value)).ToList();
            return Task.FromResult(result);
        }
    }

    public Task<long> GrantAsync(TimeSpan ttl, CancellationToken cancellationToken)
    {
        var id = Interlocked.Increment(ref s_nextLease);
        Leases[id] = (ttl, Now + (long)ttl.TotalMilliseconds);
        return Task.FromResult(id);
    }

    public Task RenewAsync(long lease, CancellationToken cancellationToken)
    {
        lock (Lock)
        {
            Expire();
            if (!Leases.TryGetValue(lease, out var l))
                throw new LeaseExpiredException($"lease {lease} not found");
            Leases[lease] = (l.Ttl, Now + (long)l.Ttl.TotalMilliseconds);
        }
        return Task.CompletedTask;
    }

    public Task RevokeAsync(long lease, CancellationToken cancellationToken)
    {
        lock (Lock)
            Drop(lease);
        return Task.CompletedTask;
    }

    public Task PutAsync(string key, byte[] value, long lease, CancellationToken cancellationToken)
    {
        lock (Lock)
        {
            Expire();
            if (lease != 0 && !Leases.ContainsKey(lease))
                throw new LeaseExpiredException($"lease {lease} not found");
            Keys[key] = (value, lease);
        }
        return Task.CompletedTask;
    }

    public Task<bool> CreateAsync(string key, byte[] value, long lease, CancellationToken cancellationToken)
    {
        lock (Lock)
        {
            Expire();
            if (lease != 0 && !Leases.ContainsKey(lease))
                throw new LeaseExpiredException($"lease {lease} not found");
            return Task.FromResult(Keys.TryAdd(key, (value, lease)));
        }
    }

    public Task DeleteAsync(string key, CancellationToken cancellationToken)
    {
        Keys.TryRemove(key, out _);
        return Task.CompletedTask;
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
