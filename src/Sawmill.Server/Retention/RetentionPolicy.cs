using Sawmill.Core;
using Sawmill.LogQL.Engine;
using Sawmill.Server.Config;
using Sawmill.Server.Distribution;
using Sawmill.Storage.Compaction;

namespace Sawmill.Server.Retention;

/// <summary>
/// What each tenant keeps, in one place: a stream's cutoff from <c>retention_period</c> and the highest-priority matching
/// <c>retention_stream</c> rule, the tenant-wide cutoff that metadata endpoints use, and <c>max_query_lookback</c>.
/// Queries apply it through <see cref="GovernedReader"/> (data past retention and pending deletes are hidden at once);
/// the <see cref="Compactor"/> applies it to disk through <see cref="ForCompaction"/>. Thread-safe.
/// </summary>
public sealed class RetentionPolicy(TenantLimits limits, Func<long>? now = null)
{
    private readonly Func<long> _now = now ?? TimeNs.Now;

    /// <summary>The oldest timestamp a stream may still show, or <see cref="long.MinValue"/> when it keeps data forever.</summary>
    public long StreamCutoff(string tenant, Labels stream)
    {
        var l = limits.For(tenant);
        var period = l.RetentionPeriod;
        RetentionStreamRule? best = null;
        foreach (var rule in l.RetentionStreams)
        {
            var (matchers, _) = RuleCache.Get(rule.Selector);
            var all = true;
            foreach (var m in matchers)
                all &= m.Matches(stream.Get(m.Name));
            if (!all)
                continue;
            if (best == null || rule.Priority > best.Priority || (rule.Priority == best.Priority && rule.Period > best.Period))
                best = rule;
        }
        if (best != null)
            period = best.Period;
        return Before(period);
    }

    /// <summary>
    /// The cutoff for label names, values, series and stats: the tenant's period when it has no stream rules; with
    /// rules, none (a stream that still has data under some rule must not disappear from metadata).
    /// </summary>
    public long MetadataCutoff(string tenant)
    {
        var l = limits.For(tenant);
        return l.RetentionStreams.Count == 0 ? Before(l.RetentionPeriod) : long.MinValue;
    }

    /// <summary>The oldest timestamp <c>max_query_lookback</c> lets a query see (queries only; never removes data).</summary>
    public long LookbackCutoff(string tenant) => Before(limits.For(tenant).MaxQueryLookback);

    /// <summary>
    /// What one compactor run removes from disk: entries past their stream's cutoff when <paramref name="retentionEnabled"/>
    /// (Loki's <c>compactor.retention_enabled</c>), and entries of the <paramref name="dueDeletes"/>.
    /// </summary>
    public IRetentionPolicy ForCompaction(bool retentionEnabled, IReadOnlyList<DeleteRequestStore.Compiled> dueDeletes) =>
        new CompactionRun(retentionEnabled ? this : null, dueDeletes);

    private long Before(TimeSpan period) => period > TimeSpan.Zero ? _now() - period.Ticks * 100 : long.MinValue;

    private sealed class CompactionRun(RetentionPolicy? retention, IReadOnlyList<DeleteRequestStore.Compiled> deletes) : IRetentionPolicy
    {
        public long Cutoff(string tenant, Labels stream) => retention?.StreamCutoff(tenant, stream) ?? long.MinValue;

        public bool MayDelete(string tenant, Labels stream, long minT, long maxT)
        {
            foreach (var d in deletes)
                if (d.Request.Tenant == tenant && d.Overlaps(minT, maxT) && d.Selects(stream))
                    return true;
            return false;
        }

        public bool IsDeleted(string tenant, Labels stream, long timestampNs, ReadOnlySpan<byte> line)
        {
            foreach (var d in deletes)
                if (d.Request.Tenant == tenant && d.Selects(stream) && d.Removes(timestampNs, line))
                    return true;
            return false;
        }
    }

    /// <summary>Compiled retention selectors, shared (selectors come from config and rarely change).</summary>
    private static class RuleCache
    {
        private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, (IReadOnlyList<LabelMatcher>, ILineFilter?)> Cache = new();

        public static (IReadOnlyList<LabelMatcher> Matchers, ILineFilter? Filter) Get(string selector) =>
            Cache.GetOrAdd(selector, static s => LogSelector.Parse(s));
    }
}
