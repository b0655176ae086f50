using Sawmill.Core;
using Sawmill.Storage.Compaction;

namespace Sawmill.Testing;

/// <summary>
/// A test's retention policy of periods only: a global period, optionally overridden per tenant (zero keeps forever),
/// and no deletes, for driving the store's compaction directly. The product's policy is the server's RetentionPolicy.
/// </summary>
public sealed class PeriodRetentionPolicy(TimeSpan global, IReadOnlyDictionary<string, TimeSpan>? perTenant = null, Func<long>? now = null) : IRetentionPolicy
{
    private readonly Func<long> _now = now ?? TimeNs.Now;

    public long Cutoff(string tenant, Labels stream)
    {
        var period = perTenant != null && perTenant.TryGetValue(tenant, out var p) ? p : global;
        return period > TimeSpan.Zero ? _now() - period.Ticks * 100 : long.MinValue;
    }

    public bool MayDelete(string tenant, Labels stream, long minT, long maxT) => false;

    public bool IsDeleted(string tenant, Labels stream, long timestampNs, ReadOnlySpan<byte> line) => false;
}
