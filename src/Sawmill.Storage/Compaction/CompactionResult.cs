namespace Sawmill.Storage.Compaction;

/// <summary>What one <see cref="LogStore.CompactAsync"/> run did, over all tenants.</summary>
public sealed record CompactionResult(int BlocksCompacted, int BlocksWritten, long EntriesRemoved, long BytesBefore, long BytesAfter, TimeSpan Elapsed)
{
    /// <summary>Disk bytes given back (blocks removed or rewritten smaller).</summary>
    public long BytesReclaimed => BytesBefore - BytesAfter;

    /// <summary>
    /// What the run's cold recompression did inside the blocks it rewrote anyway (chunks older than the cutoff passed to
    /// <see cref="LogStore.CompactAsync"/>): chunks re-encoded and their stored bytes before and after.
    /// </summary>
    public RecompressionResult Recompressed { get; init; } = RecompressionResult.None;
}
