using System.Text.Json;
using Sawmill.Core;
using Sawmill.Storage.Chunks;
using Sawmill.Storage.Binary;

namespace Sawmill.Storage.Blocks;

/// <summary>
/// Writes an immutable block directory (<c>chunks</c>, <c>index</c>, <c>meta.json</c>) into
/// <c>&lt;tenantDir&gt;/&lt;id&gt;.tmp</c>, fsyncs every file, then renames it to <c>&lt;tenantDir&gt;/&lt;id&gt;</c>, so
/// a kill at any moment leaves either no block or a whole one (leftover <c>.tmp</c> directories are deleted on open).
/// A write that fails or is cancelled (the chunk enumeration throws) removes its <c>.tmp</c> directory itself.
/// </summary>
internal static class BlockWriter
{
    private static long s_counter;

    /// <summary>
    /// A sortable id: UTC time to the millisecond plus a process-wide counter and a 32-bit random suffix, so that ids
    /// made by different nodes writing into one bucket do not collide.
    /// </summary>
    public static string NewId() =>
        $"{DateTime.UtcNow:yyyyMMddHHmmssfff}-{Interlocked.Increment(ref s_counter) % 100000:D5}{(uint)Random.Shared.NextInt64(0x1_0000_0000):x8}";

    /// <summary>Writes the block and returns its final directory, or null when no series had a chunk (nothing written).</summary>
    public static string? Write(string tenantDir, string tenant, IEnumerable<(Labels Labels, IEnumerable<Chunk> Chunks)> input, long checkpoint, IReadOnlyList<string> sources, int level)
    {
        Directory.CreateDirectory(tenantDir);
        var id = NewId();
        var tmp = Path.Combine(tenantDir, id + ".tmp");
        var final = Path.Combine(tenantDir, id);
        Directory.CreateDirectory(tmp);
        try
        {
            return WriteInto(tmp, final, id, tenant, input, checkpoint, sources, level);
        }
        catch
        {
            try
            {
                Directory.Delete(tmp, recursive: true);
            }
            catch (IOException)
            {
                // Deleted on the next open.
            }
            throw;
        }
    }

    private static string? WriteInto(string tmp, string final, string id, string tenant, IEnumerable<(Labels Labels, IEnumerable<Chunk> Chunks)> input, long checkpoint, IReadOnlyList<string> sources, int level)
    {
        // Chunks are enumerated lazily, one at a time, so a compaction never holds a whole block in memory.
        var series = input.OrderBy(s => s.Labels).ToList();
        var meta = new BlockMeta
        {
            Id = id,
            Tenant = tenant,
            MinTime = long.MaxValue,
            MaxTime = long.MinValue,
            Checkpoint = checkpoint,
            Sources = [.. sources],
            Level = level,
            Recompressed = true,
        };
        var indexSeries = new List<(Labels, IReadOnlyList<ChunkMeta>)>(series.Count);
        using (var fs = new FileStream(Path.Combine(tmp, "chunks"), FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20))
        {
            var w = new ByteWriter(1 << 20);
            long offset = 0;
            foreach (var (labels, chunks) in series)
            {
                var metas = new List<ChunkMeta>();
                foreach (var chunk in chunks)
                {
                    w.Reset();
                    var headerLength = ChunkFormat.Write(chunk, w);
                    fs.Write(w.WrittenSpan);
                    metas.Add(new ChunkMeta(chunk.MinT, chunk.MaxT, chunk.Entries, chunk.RawBytes, offset, w.Length, headerLength));
                    offset += w.Length;
                    meta.Chunks++;
                    meta.Recompressed &= chunk.Recompressed;
                    meta.Entries += chunk.Entries;
                    meta.RawBytes += chunk.RawBytes;
                    meta.MinTime = Math.Min(meta.MinTime, chunk.MinT);
                    meta.MaxTime = Math.Max(meta.MaxTime, chunk.MaxT);
                }
                if (metas.Count > 0)
                    indexSeries.Add((labels, metas));
            }
            meta.Series = indexSeries.Count;
            fs.Flush(flushToDisk: true);
        }
        if (indexSeries.Count == 0)
        {
            Directory.Delete(tmp, recursive: true);
            return null;
        }
        var index = IndexFormat.Write(indexSeries);
        WriteDurably(Path.Combine(tmp, "index"), index);
        meta.StoredBytes = new FileInfo(Path.Combine(tmp, "chunks")).Length + index.Length;
        WriteDurably(Path.Combine(tmp, "meta.json"), JsonSerializer.SerializeToUtf8Bytes(meta, BlockMetaJsonContext.Default.BlockMeta));
        Directory.Move(tmp, final);
        return final;
    }

    public static void WriteDurably(string path, ReadOnlySpan<byte> bytes)
    {
        using var fs = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None);
        fs.Write(bytes);
        fs.Flush(flushToDisk: true);
    }
}
