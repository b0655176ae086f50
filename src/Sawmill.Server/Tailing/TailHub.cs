using System.Collections.Concurrent;
using Sawmill.Core;

namespace Sawmill.Server.Tailing;

/// <summary>
/// Fans acknowledged pushes out to live tail subscriptions (<c>/loki/api/v1/tail</c>). The distributor calls
/// <see cref="Publish"/> after the store acknowledged a push, so a tailer only ever sees durable entries. With no
/// subscriber for the tenant a publish is one dictionary lookup. Thread-safe.
/// </summary>
public sealed class TailHub
{
    private readonly ConcurrentDictionary<string, TailSubscription[]> _byTenant = new(StringComparer.Ordinal);
    private readonly object _lock = new();

    /// <summary>Number of open subscriptions across tenants (for limits and metrics).</summary>
    public int Count
    {
        get
        {
            var n = 0;
            foreach (var (_, subs) in _byTenant)
                n += subs.Length;
            return n;
        }
    }

    /// <summary>
    /// Called (under the hub's lock, so it must be quick) when a tenant gets its first subscription and when it loses
    /// its last: a read node starts and stops following the write nodes' feeds of that tenant.
    /// </summary>
    public Action<string, bool>? TenantWatched { get; set; }

    public TailSubscription Subscribe(string tenant, int maxPendingEntries)
    {
        var sub = new TailSubscription(this, tenant, maxPendingEntries);
        lock (_lock)
        {
            var old = _byTenant.TryGetValue(tenant, out var s) ? s : [];
            _byTenant[tenant] = [.. old, sub];
            if (old.Length == 0)
                TenantWatched?.Invoke(tenant, true);
        }
        return sub;
    }

    internal void Unsubscribe(TailSubscription sub)
    {
        lock (_lock)
        {
            if (!_byTenant.TryGetValue(sub.Tenant, out var s))
                return;
            var rest = Array.FindAll(s, x => !ReferenceEquals(x, sub));
            if (rest.Length == 0)
            {
                _byTenant.TryRemove(sub.Tenant, out _);
                TenantWatched?.Invoke(sub.Tenant, false);
            }
            else
                _byTenant[sub.Tenant] = rest;
        }
    }

    /// <summary>
    /// Hands a durable push to every subscription of the tenant. The streams and their line buffers must not be
    /// mutated afterwards (the decoders give each push its own buffers, so nobody does).
    /// </summary>
    public void Publish(string tenant, IReadOnlyList<PushStream> streams)
    {
        if (!_byTenant.TryGetValue(tenant, out var subs))
            return;
        var detached = Detach(streams);
        foreach (var sub in subs)
            sub.Enqueue(detached);
    }

    /// <summary>
    /// Copies the pushed lines out of the request's buffers, which the push endpoint returns to a pool as soon as the
    /// push is answered, while a subscriber reads its queue later. One array per stream.
    /// </summary>
    private static List<PushStream> Detach(IReadOnlyList<PushStream> streams)
    {
        var result = new List<PushStream>(streams.Count);
        foreach (var s in streams)
        {
            var total = 0;
            foreach (var e in s.Entries)
                total += e.Line.Length;
            var bytes = new byte[total];
            var entries = new List<PushEntry>(s.Entries.Count);
            var at = 0;
            foreach (var e in s.Entries)
            {
                e.Line.Span.CopyTo(bytes.AsSpan(at));
                entries.Add(e with { Line = bytes.AsMemory(at, e.Line.Length) });
                at += e.Line.Length;
            }
            result.Add(new PushStream(s.Labels, entries));
        }
        return result;
    }
}
