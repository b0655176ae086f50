namespace Sawmill.Storage.Chunks;

/// <summary>
/// Collects the distinct byte trigrams (3 consecutive bytes of one line, as a 24-bit number) of the lines of a block.
/// Uses a per-thread 2 MiB bitmap of all 2^24 trigrams so that adding a byte costs a shift and a bit test; the
/// bitmap is cleared again from the list of ids it set. Not thread-safe per instance.
/// </summary>
internal static class TrigramSet
{
    [ThreadStatic]
    private static ulong[]? t_bits;

    /// <summary>The distinct trigram ids of the lines of <paramref name="raw"/>.</summary>
    public static int[] Collect(RawBlock raw)
    {
        var bits = t_bits ??= new ulong[(1 << 24) / 64];
        var ids = new List<int>(4096);
        for (var i = 0; i < raw.Count; i++)
            Add(raw.LineAt(i), bits, ids);
        foreach (var id in ids)
            bits[id >> 6] = 0;
        return ids.ToArray();
    }

    /// <summary>The distinct trigram ids of the lines of a decoded block (decoded with lines).</summary>
    public static int[] Collect(DecodedBlock block)
    {
        var bits = t_bits ??= new ulong[(1 << 24) / 64];
        var ids = new List<int>(4096);
        for (var i = 0; i < block.Count; i++)
            Add(block.Lines.AsSpan(block.Offsets[i], block.Lengths[i]), bits, ids);
        foreach (var id in ids)
            bits[id >> 6] = 0;
        return ids.ToArray();
    }

    /// <summary>Distinct ids of the union of several lists.</summary>
    public static int[] Union(IEnumerable<int[]> lists)
    {
        var bits = t_bits ??= new ulong[(1 << 24) / 64];
        var ids = new List<int>(8192);
        foreach (var list in lists)
        {
            foreach (var id in list)
                AddOnce(id, bits, ids);
        }
        foreach (var id in ids)
            bits[id >> 6] = 0;
        return ids.ToArray();
    }

    private static void Add(ReadOnlySpan<byte> line, ulong[] bits, List<int> ids)
    {
        if (line.Length < 3)
            return;
        var id = (line[0] << 8) | line[1];
        for (var i = 2; i < line.Length; i++)
        {
            id = ((id << 8) | line[i]) & 0xFFFFFF;
            AddOnce(id, bits, ids);
        }
    }

    /// <summary>Adds a trigram id the first time it is seen (the bit set remembers it until the caller clears it).</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private static void AddOnce(int id, ulong[] bits, List<int> ids)
    {
        ref var word = ref bits[id >> 6];
        var mask = 1UL << (id & 63);
        if ((word & mask) != 0)
            return;
        word |= mask;
        ids.Add(id);
    }
}
