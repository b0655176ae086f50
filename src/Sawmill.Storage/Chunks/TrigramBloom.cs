namespace Sawmill.Storage.Chunks;

/// <summary>
/// A chunk's token filter: a Bloom filter over the byte trigrams of its lines (docs/format/chunk.md). A line filter
/// whose required substring has a trigram the filter lacks cannot match any line of the chunk, so the chunk is skipped
/// without being read. About 8 bits per distinct trigram and 4 probes (≈2.5% false positives per trigram; a 6-byte
/// needle has 4 trigrams). Immutable after construction; thread-safe.
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

    public static TrigramBloom Build(int[] distinctIds)
    {
        var bitsWanted = Math.Max(512, distinctIds.Length * 8);
        var bits = 512;
        while (bits < bitsWanted)
            bits <<= 1;
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
