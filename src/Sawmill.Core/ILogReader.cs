namespace Sawmill.Core;

/// <summary>
/// The storage read path, used by the query engine and the metadata endpoints. Every call sees one tenant
/// only. Time ranges are [start, end) in Unix nanoseconds. Thread-safe.
/// </summary>
public interface ILogReader
{
    /// <summary>
    /// Opens one iterator per distinct matching stream (label set), covering the head and every persisted
    /// block, with duplicates across them removed. The caller disposes every iterator. Iterators are lazy:
    /// no chunk is read before the first <see cref="IEntryIterator.Next"/>.
    /// </summary>
    IReadOnlyList<IEntryIterator> Select(SelectRequest request, CancellationToken cancellationToken);

    /// <summary>Label sets of the streams that match, with data in the range.</summary>
    IReadOnlyList<Labels> Series(string tenant, IReadOnlyList<LabelMatcher> matchers, long startNs, long endNs, CancellationToken cancellationToken);

    /// <summary>Sorted distinct label names of streams with data in the range, optionally restricted by matchers.</summary>
    IReadOnlyList<string> LabelNames(string tenant, long startNs, long endNs, IReadOnlyList<LabelMatcher>? matchers, CancellationToken cancellationToken);

    /// <summary>Sorted distinct values of one label, optionally restricted by matchers.</summary>
    IReadOnlyList<string> LabelValues(string tenant, string name, long startNs, long endNs, IReadOnlyList<LabelMatcher>? matchers, CancellationToken cancellationToken);

    /// <summary>Index statistics for Loki's <c>/index/stats</c>: streams, chunks, entries and bytes in the range.</summary>
    IndexStats Stats(string tenant, IReadOnlyList<LabelMatcher> matchers, long startNs, long endNs, CancellationToken cancellationToken);

    /// <summary>Known tenants (for multi-tenant queries and the status page).</summary>
    IReadOnlyList<string> Tenants();
}

/// <summary>Loki's index stats: <c>{"streams":…,"chunks":…,"bytes":…,"entries":…}</c>.</summary>
public readonly record struct IndexStats(long Streams, long Chunks, long Bytes, long Entries);
