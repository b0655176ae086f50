namespace Sawmill.Core;

/// <summary>
/// The storage write path. Implementations append to the write-ahead log and complete only after the
/// record is durable by the configured fsync policy; a completed push is never lost. Entries that are
/// exact duplicates (same stream, timestamp and line) are dropped silently; entries too far behind the newest
/// entry of their stream (the out-of-order window) are rejected and reported. Validation and tenant limits
/// are the caller's job (the distributor). Thread-safe: many pushes may run at once.
/// </summary>
public interface ILogWriter
{
    ValueTask<PushResult> PushAsync(string tenant, IReadOnlyList<PushStream> streams, CancellationToken cancellationToken);
}

/// <summary>What a push stored: entries appended, exact duplicates dropped, and entries rejected as too old.</summary>
public readonly record struct PushResult(long EntriesAppended, long BytesAppended, long DuplicatesDropped, IReadOnlyList<RejectedEntry>? Rejected = null);

/// <summary>An entry the store refused, with the reason in Loki's words.</summary>
public readonly record struct RejectedEntry(Labels Stream, long TimestampNs, int LineBytes, string Reason);
