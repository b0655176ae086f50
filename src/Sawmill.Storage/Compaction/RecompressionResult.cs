namespace Sawmill.Storage.Compaction;

/// <summary>
/// What one <see cref="LogStore.RecompressAsync"/> run did, over all tenants: blocks rewritten, chunks re-encoded
/// (chunks already recompressed are copied), and the disk bytes of the rewritten blocks before and after.
/// </summary>
public sealed record RecompressionResult(int BlocksRewritten, int ChunksRecompressed, long RawBytes, long BytesBefore, long BytesAfter, TimeSpan Elapsed)
{
    public static RecompressionResult None { get; } = new(0, 0, 0, 0, 0, TimeSpan.Zero);
}
