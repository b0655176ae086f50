namespace Sawmill.Storage.Chunks;

/// <summary>
/// A chunk's token filter: a Bloom filter over the byte trigrams of its lines (docs/format/chunk.md). A line filter
/// whose required substring has a trigram the filter lacks cannot match any line of the chunk, so the chunk is skipped
/// without being read. Two layouts exist:
/// <list type="bullet">
/// <item>flush (chunk version 1): a power-of-two number of bits, 4 probes, a probe's bit taken with a mask; about 4–8
/// bits per distinct trigram within a budget of an eighth of the chunk's stored bytes (<see cref="Build"/>);</item>
/// <item>compact (chunk version 2, written by the compactor's cold recompression): any whole number of 64-bit words,
/// 1–4 probes, a probe's bit taken by multiply-shift (<c>(hash · bits) &gt;&gt; 32</c>), so the size follows the
/// trigram count exactly: about 3 bits per trigram within a sixteenth of the stored bytes (<see cref="BuildCompact"/>).</item>
/// </list>
/// Immutable after construction; thread-safe.
/// </summary>
internal sealed class TrigramBloom
{
    /// <summary>Probes of the flush layout (the only value a version-1 chunk may carry).</summary>
    public const byte Probes = 4;

    /// <summary>Most probes the compact layout uses (and that a reader accepts).</summary>
    public const byte MaxCompactProbes = 4;

    /// <summary>Bits per distinct trigram the compact layout aims at: ≈24% false positives per trigram with 2 probes.</summary>
    public const int CompactBitsPerTrigram = 3;

    private readonly ulong[] _words;
    private readonly uint _probes;
    private readonly bool _compact;

    private TrigramBloom(ulong[] words, bool compact, int probes)
    {
        _words = words;
        _compact = compact;
        _probes = (uint)probes;
    }

    public int SizeBytes => _words.Length * 8;

    /// <summary>True for the compact layout (persisted only in version-2 chunks).</summary>
    public bool IsCompact => _compact;

    /// <summary>Number of probes per trigram (persisted in the chunk header).</summary>
    public byte ProbeCount => (byte)_probes;

    /// <summary>
    /// Builds the flush-layout filter of a chunk whose blocks take <paramref name="storedBytes"/>: about 4 bits per
    /// distinct trigram (≈16% false positives per trigram, so a needle of n bytes passes a chunk that lacks it with
    /// ≈0.16^(n-2)), but never more than an eighth of the stored bytes, so that small chunks are not dominated by their
    /// filter. Returns null (no filter: the chunk is always read) when that budget leaves less than one bit per trigram.
    /// </summary>
    public static TrigramBloom? Build(int[] distinctIds, long storedBytes)
    {
        var want = 512L;
        while (want < distinctIds.Length * 4L)
            want <<= 1;
        var bits = want;
        while (bits > 512 && bits / 8 > storedBytes / 8)
            bits >>= 1;
        if (bits < distinctIds.Length)
            return null;
        var bloom = new TrigramBloom(new ulong[bits / 64], compact: false, Probes);
        foreach (var id in distinctIds)
            bloom.Add(id);
        return bloom;
    }

    /// <summary>
    /// Builds the compact-layout filter of a cold chunk whose blocks take <paramref name="storedBytes"/>: 
    /// <see cref="CompactBitsPerTrigram"/> bits per distinct trigram, at most a sixteenth of the stored bytes, at least
    /// 512 bits, with the probe count that minimises false positives for the bits per trigram it got (ln 2 · bits/n,
    /// 1 to 4). Cold chunks are recompressed to about 70% of their flush size, so the flush filter's budget would weigh
    /// more on them; a needle of n bytes still passes a chunk that lacks all its trigrams with ≈0.24^(n-2). Returns null
    /// when the budget leaves less than one bit per trigram.
    /// </summary>
    public static TrigramBloom? BuildCompact(int[] distinctIds, long storedBytes)
    {
        var n = Math.Max(1, distinctIds.Length);
        var bits = Math.Max(512L, (long)n * CompactBitsPerTrigram);
        bits = Math.Min(bits, Math.Max(512L, storedBytes * 8 / 16));
        if (bits < distinctIds.Length)
            return null;
        var words = (int)((bits + 63) / 64);
        var probes = (int)Math.Clamp(Math.Round(Math.Log(2) * words * 64 / n), 1, MaxCompactProbes);
        var bloom = new TrigramBloom(new ulong[words], compact: true, probes);
        foreach (var id in distinctIds)
            bloom.Add(id);
        return bloom;
    }

    /// <summary>Rebuilds a flush-layout filter from its persisted words (the word count must be a power of two).</summary>
    public static TrigramBloom FromWords(ulong[] words)
    {
        if (words.Length == 0 || (words.Length & (words.Length - 1)) != 0)
            throw new InvalidDataException("token filter size is not a power of two");
        return new TrigramBloom(words, compact: false, Probes);
    }

    /// <summary>Rebuilds a compact-layout filter from its persisted words and probe count.</summary>
    public static TrigramBloom FromCompactWords(ulong[] words, int probes)
    {
        if (words.Length == 0)
            throw new InvalidDataException("empty token filter");
        if (probes < 1 || probes > MaxCompactProbes)
            throw new InvalidDataException($"token filter probe count {probes} is out of range");
        return new TrigramBloom(words, compact: true, probes);
    }

    public ReadOnlySpan<ulong> Words => _words;

    private void Add(int id)
    {
        var bits = (ulong)_words.Length * 64;
        Hashes(id, out var h1, out var h2);
        for (uint i = 0; i < _probes; i++)
        {
            var hash = h1 + i * h2;
            var bit = _compact ? (hash * bits) >> 32 : hash & (bits - 1);
            _words[bit >> 6] |= 1UL << (int)(bit & 63);
        }
    }

    public bool MayContain(int id) => MayContain(System.Runtime.InteropServices.MemoryMarshal.AsBytes(_words.AsSpan()), _compact, (int)_probes, id);

    /// <summary>
    /// <see cref="MayContain(int)"/> over a filter's persisted words (little-endian u64s, as in a chunk header), so a
    /// reader tests a header's filter in place. <paramref name="words"/> must hold a whole number of words (a power of
    /// two of them in the flush layout).
    /// </summary>
    public static bool MayContain(ReadOnlySpan<byte> words, bool compact, int probes, int id)
    {
        var bits = (ulong)words.Length * 8;
        var mask = (uint)(bits - 1);
        Hashes(id, out var h1, out var h2);
        for (uint i = 0; i < (uint)probes; i++)
        {
            // Flush layout: the low bits (the size is a power of two). Compact layout: the hash scaled to [0, bits) with
            // a multiply and a shift (Lemire's reduction), which needs no power-of-two size and no division.
            var hash = h1 + i * h2;
            var bit = compact ? (hash * bits) >> 32 : hash & mask;
            if ((words[(int)(bit >> 3)] & (1 << (int)(bit & 7))) == 0)
                return false;
        }
        return true;
    }

    /// <summary>False when no line of the chunk can contain <paramref name="needle"/> (needles under 3 bytes always pass).</summary>
    public bool MayContainSubstring(ReadOnlySpan<byte> needle) =>
        MayContainSubstring(System.Runtime.InteropServices.MemoryMarshal.AsBytes(_words.AsSpan()), _compact, (int)_probes, needle);

    /// <summary><see cref="MayContainSubstring(ReadOnlySpan{byte})"/> over persisted words.</summary>
    public static bool MayContainSubstring(ReadOnlySpan<byte> words, bool compact, int probes, ReadOnlySpan<byte> needle)
    {
        for (var i = 2; i < needle.Length; i++)
            if (!MayContain(words, compact, probes, (needle[i - 2] << 16) | (needle[i - 1] << 8) | needle[i]))
                return false;
        return true;
    }

    private static void Hashes(int id, out uint h1, out uint h2)
    {
        var x = (uint)id * 0x9E3779B1u;
        h1 = x ^ (x >> 15);
        h2 = ((uint)id * 0x85EBCA77u ^ ((uint)id >> 13)) | 1u;
    }
}
