using Sawmill.Core;
using Sawmill.LogQL.Engine;
using Sawmill.Server.Distribution;

namespace Sawmill.Server.Retention;

/// <summary>
/// The reader queries go through: it hides what must not be seen even before the compactor has removed it from disk —
/// entries past their stream's retention and entries covered by a delete request — and applies the tenant's
/// <c>max_query_lookback</c>, all as <see cref="RetentionPolicy"/> decides. Thread-safe.
/// </summary>
public sealed class GovernedReader(ILogReader inner, RetentionPolicy policy, DeleteRequestStore deletes) : ILogReader
{
    public RetentionPolicy Policy => policy;

    private long TenantCutoff(string tenant) => Math.Max(policy.MetadataCutoff(tenant), policy.LookbackCutoff(tenant));
    public IReadOnlyList<IEntryIterator> Select(SelectRequest request, CancellationToken cancellationToken)
    {
        var tenantDeletes = deletes.For(request.Tenant).ToList();
        var needLines = tenantDeletes.Any(d => d.Filter != null) && (request.Fields & EntryFields.Lines) != EntryFields.Lines;
        var effective = needLines ? request with { Fields = request.Fields | EntryFields.Lines } : request;
        var result = new List<IEntryIterator>();
        var lookback = policy.LookbackCutoff(request.Tenant);
        foreach (var it in inner.Select(effective, cancellationToken))
        {
            var cutoff = Math.Max(policy.StreamCutoff(request.Tenant, it.Labels), lookback);
            var applicable = tenantDeletes.Where(d => d.Selects(it.Labels) && d.Overlaps(request.StartNs, request.EndNs - 1)).ToArray();
            if (cutoff == long.MinValue && applicable.Length == 0)
                result.Add(it);
            else
                result.Add(new GovernedIterator(it, cutoff, applicable));
        }
        return result;
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
                    if (d.Removes(ts, inner.Line))
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
}
