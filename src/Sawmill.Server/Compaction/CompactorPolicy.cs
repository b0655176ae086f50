using Sawmill.Core;
using Sawmill.Server.Retention;
using Sawmill.Storage.Compaction;

namespace Sawmill.Server.Compaction;

/// <summary>
/// What one compactor run removes from disk: entries past their stream's retention (when
/// <c>compactor.retention_enabled</c>) and entries covered by the delete requests that are due (past their cancel
/// period). Immutable for the run; thread-safe.
/// </summary>
internal sealed class CompactorPolicy(Func<string, Labels, long>? cutoff, IReadOnlyList<DeleteRequestStore.Compiled> deletes) : IRetentionPolicy
{
    public long Cutoff(string tenant, Labels stream) => cutoff?.Invoke(tenant, stream) ?? long.MinValue;

    public bool MayDelete(string tenant, Labels stream, long minT, long maxT)
    {
        foreach (var d in deletes)
            if (d.Request.Tenant == tenant && d.Request.StartNs <= maxT && d.Request.EndNs >= minT && Matches(d, stream))
                return true;
        return false;
    }

    public bool IsDeleted(string tenant, Labels stream, long timestampNs, ReadOnlySpan<byte> line)
    {
        foreach (var d in deletes)
        {
            if (d.Request.Tenant != tenant || timestampNs < d.Request.StartNs || timestampNs > d.Request.EndNs || !Matches(d, stream))
                continue;
            if (d.Filter == null || d.Filter.Matches(line))
                return true;
        }
        return false;
    }

    private static bool Matches(DeleteRequestStore.Compiled d, Labels stream)
    {
        foreach (var m in d.Matchers)
            if (!m.Matches(stream.Get(m.Name)))
                return false;
        return true;
    }
}
