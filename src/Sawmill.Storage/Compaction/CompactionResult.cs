namespace Sawmill.Storage.Compaction;

/// <summary>What one <see cref="LogStore.CompactAsync"/> run did, over all tenants.</summary>
public sealed record CompactionResult(int BlocksCompacted, int BlocksWritten, long EntriesRemoved, long BytesBefore, long BytesAfter, TimeSpan Elapsed)
{
    /// <summary>Disk bytes given back (blocks removed or rewritten smaller).</summary>
    public long BytesReclaimed => BytesBefore - BytesAfter;
}
