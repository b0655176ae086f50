namespace Sawmill.Core;

/// <summary>
/// The storage write path. Implementations append to the write-ahead log and complete only after the
/// record is durable by the configured fsync policy; a completed push is never lost. Entries that are
/// exact duplicates (same stream, timestamp and line) are dropped silently. Validation and tenant limits
/// are the caller's job (the distributor); this contract accepts what it is given.
/// Thread-safe: many pushes may run at once.
/// </summary>
public interface ILogWriter
{
    ValueTask<PushResult> PushAsync(string tenant, IReadOnlyList<PushStream> streams, CancellationToken cancellationToken);
}

/// <summary>What a push stored: entries appended, and exact duplicates dropped.</summary>
public readonly record struct PushResult(long EntriesAppended, long BytesAppended, long DuplicatesDropped);
