using System.Text.Json;
using Sawmill.Core;
using Sawmill.Storage.Chunks;

namespace Sawmill.Storage.Blocks;

/// <summary>
/// An opened block: its meta, its whole index in memory (series, chunk references, postings) and its <c>chunks</c>
/// bytes read with positioned reads (pread on a local file, or a bucket object through the segment cache), so any
/// number of queries read it at once without seeking. Immutable; thread-safe. A local file's handle is closed by
/// <see cref="Dispose"/> or, for blocks dropped while queries may still read them, by the finalizer of the handle.
/// </summary>
internal sealed class BlockReader : IDisposable
{
    private readonly IChunkData _chunks;
    private readonly Dictionary<string, Dictionary<string, int[]>> _postings;

    private BlockReader(string directory, BlockMeta meta, List<(Labels, ChunkMeta[])> series, Dictionary<string, Dictionary<string, int[]>> postings, IChunkData chunks)
    {
        Directory = directory;
        Meta = meta;
        Series = series;
        _postings = postings;
        _chunks = chunks;
    }

    /// <summary>The block's local directory (for a bucket block: its directory in the local cache).</summary>
    public string Directory { get; }

    /// <summary>Where the chunk bytes come from, as corruption reports name it.</summary>
    public string ChunksPath => _chunks.Name;
    public BlockMeta Meta { get; }
    public List<(Labels Labels, ChunkMeta[] Chunks)> Series { get; }

    /// <summary>Opens a block directory. Throws <see cref="StorageCorruptionException"/> naming the bad file.</summary>
    public static BlockReader Open(string directory)
    {
        var metaPath = Path.Combine(directory, "meta.json");
        var meta = ParseMeta(ReadFile(metaPath, "block meta"), metaPath);
        var indexPath = Path.Combine(directory, "index");
        if (!File.Exists(indexPath))
            throw new StorageCorruptionException(indexPath, "index file missing");
        var (series, postings) = IndexFormat.Read(File.ReadAllBytes(indexPath), indexPath);
        var chunksPath = Path.Combine(directory, "chunks");
        if (!File.Exists(chunksPath))
            throw new StorageCorruptionException(chunksPath, "chunks file missing");
        var data = new LocalChunkData(File.OpenHandle(chunksPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete), chunksPath);
        return Create(directory, meta, series, postings, data);
    }

    /// <summary>
    /// Opens a block whose meta and index are given (read from a bucket) over <paramref name="data"/>, which the reader
    /// owns from then on. Throws <see cref="StorageCorruptionException"/>; <paramref name="data"/> is disposed then.
    /// </summary>
    public static BlockReader Open(string directory, byte[] meta, string metaName, byte[] index, string indexName, IChunkData data)
    {
        try
        {
            var parsed = ParseMeta(meta, metaName);
            var (series, postings) = IndexFormat.Read(index, indexName);
            return Create(directory, parsed, series, postings, data);
        }
        catch
        {
            data.Dispose();
            throw;
        }
    }

    private static byte[] ReadFile(string path, string what)
    {
        try
        {
            return File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new StorageCorruptionException(path, $"unreadable {what}: " + e.Message, e);
        }
    }

    /// <summary>Parses and checks a <c>meta.json</c>. Throws <see cref="StorageCorruptionException"/> naming <paramref name="name"/>.</summary>
    public static BlockMeta ParseMeta(byte[] bytes, string name)
    {
        BlockMeta meta;
        try
        {
            meta = JsonSerializer.Deserialize(bytes, BlockMetaJsonContext.Default.BlockMeta)
                ?? throw new StorageCorruptionException(name, "empty block meta");
        }
        catch (JsonException e)
        {
            throw new StorageCorruptionException(name, "unreadable block meta: " + e.Message, e);
        }
        if (meta.Version != 1)
            throw new StorageCorruptionException(name, $"unsupported block version {meta.Version}");
        return meta;
    }

    private static BlockReader Create(string directory, BlockMeta meta, List<(Labels, ChunkMeta[])> series, Dictionary<string, Dictionary<string, int[]>> postings, IChunkData data)
    {
        var length = data.Length;
        foreach (var (_, chunks) in series)
            foreach (var c in chunks)
                if (c.Offset < 0 || c.Offset + c.Length > length || c.HeaderLength > c.Length)
                {
                    data.Dispose();
                    throw new StorageCorruptionException(data.Name, $"chunk at offset {c.Offset} ({c.Length} bytes) lies outside the file ({length} bytes)");
                }
        return new BlockReader(directory, meta, series, postings, data);
    }

    public bool Overlaps(long startNs, long endNs) => Meta.MinTime < endNs && Meta.MaxTime >= startNs;

    /// <summary>Indexes of the series matching every matcher, using the smallest postings list of an equality matcher.</summary>
    public List<int> Match(IReadOnlyList<LabelMatcher>? matchers)
    {
        var result = new List<int>();
        int[]? best = null;
        if (matchers != null)
        {
            foreach (var m in matchers)
            {
                if (m.Type != MatchType.Equal || m.Value.Length == 0)
                    continue;
                var list = _postings.TryGetValue(m.Name, out var values) && values.TryGetValue(m.Value, out var ids) ? ids : [];
                if (best == null || list.Length < best.Length)
                    best = list;
            }
        }
        if (best != null)
        {
            foreach (var i in best)
                if (Head.TenantHead.MatchesAll(Series[i].Labels, matchers!))
                    result.Add(i);
            return result;
        }
        for (var i = 0; i < Series.Count; i++)
            if (matchers == null || Head.TenantHead.MatchesAll(Series[i].Labels, matchers))
                result.Add(i);
        return result;
    }

    /// <summary>Reads and parses a whole chunk. Throws <see cref="StorageCorruptionException"/>.</summary>
    public Chunk ReadChunk(ChunkMeta meta)
    {
        var bytes = new byte[meta.Length];
        ReadExactly(bytes, meta.Offset);
        return ChunkFormat.Read(bytes, ChunksPath);
    }

    /// <summary>
    /// Reads the chunk's header (<see cref="ChunkMeta.HeaderLength"/> bytes, known from the index) into
    /// <paramref name="into"/> and parses it. Throws <see cref="StorageCorruptionException"/>.
    /// </summary>
    public ChunkHeader ReadHeader(ChunkMeta meta, Span<byte> into)
    {
        var header = into[..meta.HeaderLength];
        ReadExactly(header, meta.Offset);
        return ChunkFormat.ParseHeader(header, ChunksPath);
    }

    /// <summary>Reads bytes [0, into.Length) of a block of the chunk at <paramref name="meta"/>.</summary>
    public void ReadBlock(ChunkMeta meta, BlockRef block, Span<byte> into)
    {
        if (into.Length > block.Length || (long)block.Offset + block.Length > meta.Length)
            throw new StorageCorruptionException(ChunksPath, $"block at offset {block.Offset} of the chunk at {meta.Offset} lies outside the chunk");
        ReadExactly(into, meta.Offset + block.Offset);
    }

    /// <summary>
    /// The chunk's bytes as stored, as far as the file holds them: to set a damaged chunk aside, or to ship a chunk to
    /// another node without decoding it.
    /// </summary>
    public byte[] ReadRawBytes(ChunkMeta meta)
    {
        var n = (int)Math.Clamp(_chunks.Length - meta.Offset, 0, meta.Length);
        var bytes = new byte[n];
        if (n > 0)
            ReadExactly(bytes, meta.Offset);
        return bytes;
    }

    /// <summary>
    /// True when the chunk was recompressed for cold storage (version 2 or 3 with the recompressed flag), found by reading its
    /// first 8 bytes only. Throws <see cref="StorageCorruptionException"/> when they are not a chunk's.
    /// </summary>
    public bool IsRecompressed(ChunkMeta meta)
    {
        var head = new byte[8];
        ReadExactly(head, meta.Offset);
        if (!head.AsSpan(0, 4).SequenceEqual(ChunkFormat.Magic))
            throw new StorageCorruptionException(ChunksPath, $"no chunk at offset {meta.Offset} (bad magic)");
        return head[4] is ChunkFormat.VersionColdV2 or ChunkFormat.Version && (head[6] & ChunkFormat.FlagRecompressed) != 0;
    }

    private void ReadExactly(Span<byte> buffer, long offset) => _chunks.ReadExactly(buffer, offset);


    public void Dispose() => _chunks.Dispose();
}
