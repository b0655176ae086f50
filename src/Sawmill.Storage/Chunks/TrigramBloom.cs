namespace Sawmill.Storage.Chunks;

/// <summary>
/// A chunk's token filter: a Bloom filter over the byte trigrams of its lines (docs/format/chunk.md). A line filter
/// whose required substring has a trigram the filter lacks cannot match any line of the chunk, so the chunk is skipped
/// without being read. About 4 bits per distinct trigram and 4 probes, within a budget of an eighth of the chunk's
/// stored bytes (see <see cref="Build"/>). Immutable after construction; thread-safe.
/// </summary>
internal sealed class TrigramBloom
{
    public const byte Probes = 4;

    private readonly ulong[] _words;
    private readonly int _mask;

    private TrigramBloom(ulong[] words)
    {
        _words = words;
        _mask = words.Length * 64 - 1;
    }

    public int SizeBytes => _words.Length * 8;

    /// <summary>
    /// Builds the filter of a chunk whose blocks take <paramref name="storedBytes"/>: about 4 bits per distinct trigram
    /// (≈16% false positives per trigram, so a needle of n bytes passes a chunk that lacks it with ≈0.16^(n-2)), but never
    /// more than an eighth of the stored bytes, so that small chunks are not dominated by their filter. Returns null (no
    /// filter: the chunk is always read) when that budget leaves less than one bit per trigram.
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
        var bloom = new TrigramBloom(new ulong[bits / 64]);
        foreach (var id in distinctIds)
            bloom.Add(id);
        return bloom;
    }

    /// <summary>Rebuilds a filter from its persisted words (the word count must be a power of two).</summary>
    public static TrigramBloom FromWords(ulong[] words)
    {
        if (words.Length == 0 || (words.Length & (words.Length - 1)) != 0)
            throw new InvalidDataException("token filter size is not a power of two");
        return new TrigramBloom(words);
    }

    public ReadOnlySpan<ulong> Words => _words;

    private void Add(int id)
    {
        Hashes(id, out var h1, out var h2);
        for (uint i = 0; i < Probes; i++)
        {
            var bit = (int)((h1 + i * h2) & (uint)_mask);
            _words[bit >> 6] |= 1UL << (bit & 63);
        }
    }

    public bool MayContain(int id)
    {
        Hashes(id, out var h1, out var h2);
        for (uint i = 0; i < Probes; i++)
        {
            var bit = (int)((h1 + i * h2) & (uint)_mask);
            if ((_words[bit >> 6] & (1UL << (bit & 63))) == 0)
                return false;
        }
        return true;
    }

    /// <summary>False when no line of the chunk can contain <paramref name="needle"/> (needles under 3 bytes always pass).</summary>
    public bool MayContainSubstring(byte[] needle)
    {
        foreach (var id in TrigramSet.Of(needle))
            if (!MayContain(id))
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
