namespace Sawmill.Storage.Compaction;

/// <summary>
/// How the compactor re-encodes cold chunks (docs/format/chunk.md, version 2): zstd at <see cref="ZstdLevel"/> with
/// blocks of about <see cref="BlockSize"/> raw line bytes. Immutable.
/// </summary>
public sealed record RecompressionSettings
{
    /// <summary>
    /// Zstd level of cold blocks (1–22). 19 by default: on the loghub samples it stores 25–30% less than level 3 and
    /// still decompresses at 1–2 GB/s per core, but compresses at only ~2 MB/s per core, which is why the flush path
    /// keeps a fast level and this runs once per chunk, in the compactor, on one thread.
    /// </summary>
    public int ZstdLevel { get; init; } = 19;

    /// <summary>
    /// Raw line bytes per cold block (1 MiB by default: 2–3% smaller than 256 KiB blocks at level 19; a query that
    /// needs a few entries of a cold block decompresses up to this much, about 0.5 ms).
    /// </summary>
    public int BlockSize { get; init; } = 1 << 20;

    /// <summary>
    /// The share of one core recompression may take on average, in (0, 1]: after a chunk that took <c>t</c> to
    /// re-encode, the recompressing thread sleeps <c>t · (1 / share − 1)</c> (cancellably). 0.5 by default, so that on a
    /// small machine pushes and queries always keep most of the CPU; at zstd 19 that recompresses about 1–1.5 MB/s of raw
    /// lines (90–130 GB a day).
    /// </summary>
    public double CpuShare
    {
        get => _cpuShare;
        init => _cpuShare = value is > 0 and <= 1 ? value : throw new ArgumentOutOfRangeException(nameof(CpuShare), value, "a share of one core, more than 0 and at most 1");
    }

    private readonly double _cpuShare = 0.5;
}
