namespace Sawmill.Storage.Compaction;

/// <summary>
/// What one <see cref="LogStore.RecompressAsync"/> run (or the recompression inside a compaction run) did, over all
/// tenants: blocks rewritten, chunks re-encoded, their raw line bytes, and the stored bytes of those chunks before and
/// after (chunks copied unchanged count in neither).
/// </summary>
public sealed record RecompressionResult(int BlocksRewritten, int ChunksRecompressed, long RawBytes, long BytesBefore, long BytesAfter, TimeSpan Elapsed)
{
    public static RecompressionResult None { get; } = new(0, 0, 0, 0, 0, TimeSpan.Zero);
}
