namespace Sawmill.Core;

/// <summary>
/// Counters for one query, filled by storage and the engine and reported in Loki's <c>stats</c> block.
/// All members are updated with <see cref="Interlocked"/>; thread-safe.
/// </summary>
public sealed class QueryStatistics
{
    private long _decompressedBytes;
    private long _decompressedLines;
    private long _compressedBytes;
    private long _chunksTouched;
    private long _chunksSkipped;
    private long _headBytes;
    private long _headLines;
    private long _postFilterLines;

    public long DecompressedBytes => Volatile.Read(ref _decompressedBytes);
    public long DecompressedLines => Volatile.Read(ref _decompressedLines);
    public long CompressedBytes => Volatile.Read(ref _compressedBytes);
    public long ChunksTouched => Volatile.Read(ref _chunksTouched);
    public long ChunksSkipped => Volatile.Read(ref _chunksSkipped);
    public long HeadBytes => Volatile.Read(ref _headBytes);
    public long HeadLines => Volatile.Read(ref _headLines);
    public long PostFilterLines => Volatile.Read(ref _postFilterLines);

    public void AddDecompressed(long bytes, long lines)
    {
        Interlocked.Add(ref _decompressedBytes, bytes);
        Interlocked.Add(ref _decompressedLines, lines);
    }

    public void AddCompressed(long bytes) => Interlocked.Add(ref _compressedBytes, bytes);
    public void AddChunksTouched(long n) => Interlocked.Add(ref _chunksTouched, n);
    public void AddChunksSkipped(long n) => Interlocked.Add(ref _chunksSkipped, n);

    public void AddHead(long bytes, long lines)
    {
        Interlocked.Add(ref _headBytes, bytes);
        Interlocked.Add(ref _headLines, lines);
    }

    public void AddPostFilterLines(long n) => Interlocked.Add(ref _postFilterLines, n);

    private readonly List<string> _warnings = [];

    /// <summary>
    /// Problems the query worked around without failing, such as a damaged chunk it skipped: Loki's <c>warnings</c>
    /// array, which Grafana shows above the result. Distinct, in the order they happened, at most 20.
    /// </summary>
    public IReadOnlyList<string> Warnings
    {
        get
        {
            lock (_warnings)
                return _warnings.ToArray();
        }
    }

    public void AddWarning(string warning)
    {
        lock (_warnings)
            if (_warnings.Count < 20 && !_warnings.Contains(warning))
                _warnings.Add(warning);
    }
}
