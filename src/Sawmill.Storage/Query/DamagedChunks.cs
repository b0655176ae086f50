using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Sawmill.Core;
using Sawmill.Storage.Blocks;

namespace Sawmill.Storage.Query;

/// <summary>
/// The chunks of persisted blocks that failed their checks while being read (a checksum, a bound, a frame that does
/// not decode). A damaged chunk is isolated rather than fatal: queries skip it and say so in Loki's <c>warnings</c>;
/// it is counted once in <see cref="StorageMetrics.DamagedChunks"/> and logged once; and the next compaction moves it
/// out of its block (see LogStore.Compact.cs). Thread-safe.
/// </summary>
internal sealed class DamagedChunks(StorageMetrics metrics, ILogger logger)
{
    private readonly ConcurrentDictionary<(string Block, long Offset), string> _damaged = new();

    /// <summary>Records a damaged chunk (once) and returns the warning a query reports for it.</summary>
    public string Report(BlockReader block, ChunkMeta chunk, Exception error)
    {
        var reason = error is StorageCorruptionException sce && sce.Message.StartsWith(sce.Path, StringComparison.Ordinal)
            ? sce.Message[sce.Path.Length..].TrimStart(':', ' ')
            : error.Message;
        if (_damaged.TryAdd((block.Directory, chunk.Offset), reason))
        {
            Interlocked.Increment(ref metrics.DamagedChunksCount);
            logger.LogError("damaged chunk skipped block={Block} offset={Offset} length={Length} entries={Entries} err={Error}; the next compaction moves it aside",
                block.Directory, chunk.Offset, chunk.Length, chunk.Entries, reason);
        }
        return Warning(block, chunk, reason);
    }

    /// <summary>The reason a chunk was found damaged, or null when it was not.</summary>
    public string? Reason(BlockReader block, ChunkMeta chunk) => _damaged.GetValueOrDefault((block.Directory, chunk.Offset));

    public bool AnyIn(BlockReader block) => _damaged.Keys.Any(k => k.Block == block.Directory);

    /// <summary>Forgets the chunks of a block that compaction replaced.</summary>
    public void Forget(BlockReader block)
    {
        foreach (var key in _damaged.Keys.Where(k => k.Block == block.Directory))
            _damaged.TryRemove(key, out _);
    }

    public static string Warning(BlockReader block, ChunkMeta chunk, string reason) =>
        $"skipped a damaged chunk of block {block.Meta.Id} (tenant {block.Meta.Tenant}, {chunk.Entries} entries between " +
        $"{DateTimeOffset.FromUnixTimeMilliseconds(chunk.MinT / TimeNs.PerMillisecond):yyyy-MM-ddTHH:mm:ssZ} and " +
        $"{DateTimeOffset.FromUnixTimeMilliseconds(chunk.MaxT / TimeNs.PerMillisecond):yyyy-MM-ddTHH:mm:ssZ}): {reason}";
}
