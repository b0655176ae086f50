using Sawmill.Core;

namespace Sawmill.Server.Tenancy;

/// <summary>
/// Multi-tenant queries (Loki's <c>querier.multi_tenant_queries_enabled</c>): a tenant string <c>a|b</c> reads each
/// tenant in turn and adds the label <c>__tenant_id__</c> to every stream, so results from different tenants never
/// merge. Matchers on <c>__tenant_id__</c> in the selector choose tenants and are not passed to storage. A single
/// tenant passes straight through. Tenant ids never contain <c>|</c> (<see cref="Tenant.Validate"/>), so the split is
/// unambiguous. Thread-safe when the inner reader is.
/// </summary>
public sealed class MultiTenantReader(ILogReader inner) : ILogReader
{
    public const string TenantLabel = "__tenant_id__";

    public static bool IsMulti(string tenant) => tenant.Contains('|', StringComparison.Ordinal);

    /// <summary>The tenants of <paramref name="tenant"/> that the <c>__tenant_id__</c> matchers admit, and the other matchers.</summary>
    private static (List<string> Tenants, List<LabelMatcher> Others) Split(string tenant, IReadOnlyList<LabelMatcher>? matchers)
    {
        var rest = new List<LabelMatcher>();
        var tenantMatchers = new List<LabelMatcher>();
        if (matchers != null)
            foreach (var m in matchers)
                (m.Name == TenantLabel ? tenantMatchers : rest).Add(m);
        var tenants = new List<string>();
        foreach (var t in tenant.Split('|', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Distinct(StringComparer.Ordinal))
            if (tenantMatchers.TrueForAll(m => m.Matches(t)))
                tenants.Add(t);
        return (tenants, rest);
    }

    private static Labels WithTenant(Labels labels, string tenant) => labels.ToBuilder().Set(TenantLabel, tenant).Build();

    public IReadOnlyList<IEntryIterator> Select(SelectRequest request, CancellationToken cancellationToken)
    {
        if (!IsMulti(request.Tenant))
            return inner.Select(request, cancellationToken);
        var (tenants, rest) = Split(request.Tenant, request.Matchers);
        var result = new List<IEntryIterator>();
        foreach (var t in tenants)
        {
            var single = request with { Tenant = t, Matchers = rest };
            foreach (var it in inner.Select(single, cancellationToken))
                result.Add(new TenantIterator(it, WithTenant(it.Labels, t)));
        }
        return result;
    }

    public IReadOnlyList<Labels> Series(string tenant, IReadOnlyList<LabelMatcher> matchers, long startNs, long endNs, CancellationToken cancellationToken)
    {
        if (!IsMulti(tenant))
            return inner.Series(tenant, matchers, startNs, endNs, cancellationToken);
        var (tenants, rest) = Split(tenant, matchers);
        var result = new List<Labels>();
        foreach (var t in tenants)
            foreach (var l in inner.Series(t, rest, startNs, endNs, cancellationToken))
                result.Add(WithTenant(l, t));
        return result;
    }

    public IReadOnlyList<string> LabelNames(string tenant, long startNs, long endNs, IReadOnlyList<LabelMatcher>? matchers, CancellationToken cancellationToken)
    {
        if (!IsMulti(tenant))
            return inner.LabelNames(tenant, startNs, endNs, matchers, cancellationToken);
        var (tenants, rest) = Split(tenant, matchers);
        var names = new SortedSet<string>(StringComparer.Ordinal) { TenantLabel };
        foreach (var t in tenants)
            names.UnionWith(inner.LabelNames(t, startNs, endNs, rest.Count > 0 ? rest : null, cancellationToken));
        return names.ToList();
    }

    public IReadOnlyList<string> LabelValues(string tenant, string name, long startNs, long endNs, IReadOnlyList<LabelMatcher>? matchers, CancellationToken cancellationToken)
    {
        if (!IsMulti(tenant))
            return inner.LabelValues(tenant, name, startNs, endNs, matchers, cancellationToken);
        var (tenants, rest) = Split(tenant, matchers);
        if (name == TenantLabel)
            return tenants.Order(StringComparer.Ordinal).ToList();
        var values = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var t in tenants)
            values.UnionWith(inner.LabelValues(t, name, startNs, endNs, rest.Count > 0 ? rest : null, cancellationToken));
        return values.ToList();
    }

    public IndexStats Stats(string tenant, IReadOnlyList<LabelMatcher> matchers, long startNs, long endNs, CancellationToken cancellationToken)
    {
        if (!IsMulti(tenant))
            return inner.Stats(tenant, matchers, startNs, endNs, cancellationToken);
        var (tenants, rest) = Split(tenant, matchers);
        long streams = 0, chunks = 0, bytes = 0, entries = 0;
        foreach (var t in tenants)
        {
            var s = inner.Stats(t, rest, startNs, endNs, cancellationToken);
            streams += s.Streams;
            chunks += s.Chunks;
            bytes += s.Bytes;
            entries += s.Entries;
        }
        return new IndexStats(streams, chunks, bytes, entries);
    }

    public IReadOnlyList<string> Tenants() => inner.Tenants();

    private sealed class TenantIterator(IEntryIterator inner, Labels labels) : IEntryIterator
    {
        public Labels Labels => labels;
        public bool Next() => inner.Next();
        public long TimestampNs => inner.TimestampNs;
        public ReadOnlySpan<byte> Line => inner.Line;
        public int LineLength => inner.LineLength;
        public ReadOnlySpan<Label> Metadata => inner.Metadata;
        public void Dispose() => inner.Dispose();
    }
}
