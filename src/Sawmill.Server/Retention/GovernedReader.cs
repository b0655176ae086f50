using Sawmill.Core;
using Sawmill.LogQL.Engine;
using Sawmill.Server.Config;
using Sawmill.Server.Distribution;

namespace Sawmill.Server.Retention;

/// <summary>
/// The reader queries go through: it hides what must not be seen even before the compactor has removed it from disk —
/// entries older than the stream's retention (the tenant's <c>retention_period</c>, or the highest-priority matching
/// <c>retention_stream</c> rule) and entries covered by a delete request (matchers, time range and optional line filter).
/// It also applies the tenant's <c>max_query_lookback</c> (nothing older than now minus it is returned, as Loki clamps
/// the query start); that limit hides data from queries only and is not part of <see cref="Cutoff"/>, which the
/// compactor uses to remove data. Thread-safe.
/// </summary>
public sealed class GovernedReader(ILogReader inner, TenantLimits limits, DeleteRequestStore deletes, Func<long>? now = null) : ILogReader
{
    private readonly Func<long> _now = now ?? TimeNs.Now;

    /// <summary>The oldest timestamp a stream may still show, or <see cref="long.MinValue"/> when it keeps data forever.</summary>
    public long Cutoff(string tenant, Labels stream)
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
        return period > TimeSpan.Zero ? _now() - period.Ticks * 100 : long.MinValue;
    }

    /// <summary>The oldest timestamp <c>max_query_lookback</c> lets a query see, or <see cref="long.MinValue"/>.</summary>
    private long LookbackCutoff(string tenant)
    {
        var lookback = limits.For(tenant).MaxQueryLookback;
        return lookback > TimeSpan.Zero ? _now() - lookback.Ticks * 100 : long.MinValue;
    }

    private long TenantCutoff(string tenant) => Math.Max(RetentionTenantCutoff(tenant), LookbackCutoff(tenant));

    private long RetentionTenantCutoff(string tenant)
    {
        var l = limits.For(tenant);
        // Metadata endpoints use the longest retention any rule grants, so no stream that still has data disappears.
        var longest = l.RetentionPeriod;
        foreach (var rule in l.RetentionStreams)
            if (longest > TimeSpan.Zero && rule.Period > longest)
                longest = rule.Period;
        return longest > TimeSpan.Zero && l.RetentionStreams.Count == 0 ? _now() - longest.Ticks * 100 : long.MinValue;
    }

    public IReadOnlyList<IEntryIterator> Select(SelectRequest request, CancellationToken cancellationToken)
    {
        var tenantDeletes = deletes.For(request.Tenant).ToList();
        var needLines = tenantDeletes.Any(d => d.Filter != null) && (request.Fields & EntryFields.Lines) != EntryFields.Lines;
        var effective = needLines
            ? new SelectRequest
            {
                Tenant = request.Tenant,
                Matchers = request.Matchers,
                StartNs = request.StartNs,
                EndNs = request.EndNs,
                Direction = request.Direction,
                Fields = request.Fields | EntryFields.Lines,
                LineFilter = request.LineFilter,
                Statistics = request.Statistics,
            }
            : request;
        var result = new List<IEntryIterator>();
        var lookback = LookbackCutoff(request.Tenant);
        foreach (var it in inner.Select(effective, cancellationToken))
        {
            var cutoff = Math.Max(Cutoff(request.Tenant, it.Labels), lookback);
            var applicable = tenantDeletes.Where(d => MatchesAll(d.Matchers, it.Labels) && d.Request.EndNs >= request.StartNs && d.Request.StartNs < request.EndNs).ToArray();
            if (cutoff == long.MinValue && applicable.Length == 0)
                result.Add(it);
            else
                result.Add(new GovernedIterator(it, cutoff, applicable));
        }
        return result;
    }

    private static bool MatchesAll(IReadOnlyList<LabelMatcher> matchers, Labels labels)
    {
        foreach (var m in matchers)
            if (!m.Matches(labels.Get(m.Name)))
                return false;
        return true;
    }

    public IReadOnlyList<Labels> Series(string tenant, IReadOnlyList<LabelMatcher> matchers, long startNs, long endNs, CancellationToken cancellationToken) =>
        inner.Series(tenant, matchers, Math.Max(startNs, TenantCutoff(tenant)), endNs, cancellationToken);

    public IReadOnlyList<string> LabelNames(string tenant, long startNs, long endNs, IReadOnlyList<LabelMatcher>? matchers, CancellationToken cancellationToken) =>
        inner.LabelNames(tenant, Math.Max(startNs, TenantCutoff(tenant)), endNs, matchers, cancellationToken);

    public IReadOnlyList<string> LabelValues(string tenant, string name, long startNs, long endNs, IReadOnlyList<LabelMatcher>? matchers, CancellationToken cancellationToken) =>
        inner.LabelValues(tenant, name, Math.Max(startNs, TenantCutoff(tenant)), endNs, matchers, cancellationToken);

    public IndexStats Stats(string tenant, IReadOnlyList<LabelMatcher> matchers, long startNs, long endNs, CancellationToken cancellationToken) =>
        inner.Stats(tenant, matchers, Math.Max(startNs, TenantCutoff(tenant)), endNs, cancellationToken);

    public IReadOnlyList<string> Tenants() => inner.Tenants();

    private sealed class GovernedIterator(IEntryIterator inner, long cutoff, DeleteRequestStore.Compiled[] deletes) : IEntryIterator
    {
        public Labels Labels => inner.Labels;

        public bool Next()
        {
            while (inner.Next())
            {
                var ts = inner.TimestampNs;
                if (ts < cutoff)
                    continue;
                var deleted = false;
                foreach (var d in deletes)
                {
                    if (ts < d.Request.StartNs || ts > d.Request.EndNs)
                        continue;
                    if (d.Filter == null || d.Filter.Matches(inner.Line))
                    {
                        deleted = true;
                        break;
                    }
                }
                if (!deleted)
                    return true;
            }
            return false;
        }

        public long TimestampNs => inner.TimestampNs;
        public ReadOnlySpan<byte> Line => inner.Line;
        public int LineLength => inner.LineLength;
        public ReadOnlySpan<Label> Metadata => inner.Metadata;
        public void Dispose() => inner.Dispose();
    }

    /// <summary>Compiled retention selectors, shared (selectors come from config and rarely change).</summary>
    private static class RuleCache
    {
        private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, (IReadOnlyList<LabelMatcher>, ILineFilter?)> Cache = new();

        public static (IReadOnlyList<LabelMatcher> Matchers, ILineFilter? Filter) Get(string selector) =>
            Cache.GetOrAdd(selector, static s => LogSelector.Parse(s));
    }
}
