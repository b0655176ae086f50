using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace Sawmill.Storage.Chunks;

/// <summary>
/// A block's token filter (docs/format/chunk.md, "Token filter"): a binary fuse filter with 4-bit fingerprints over
/// the block's distinct <see cref="TokenKeys"/>, about 5 bits per key, that answers "may this key be in the block?"
/// with no false negatives and 1/16 false positives. Built once per block from its keys (<see cref="Build"/>) and read
/// in place from its serialized bytes (<see cref="MayContain"/>), so a query tests the filters of a chunk header
/// without copying them. The construction is the one of Graf and Lemire's paper: each key has three cells in three
/// consecutive segments; keys are peeled off cells they alone occupy, then their cells are assigned in reverse order
/// so that the three cells of every key xor to its fingerprint. Stateless apart from per-thread scratch; thread-safe.
/// </summary>
internal static class TokenFilter
{
    public const int HeaderSize = 16;
    private const int MaxSegmentLengthLog = 18;
    private const int MaxAttempts = 64;

    [ThreadStatic]
    private static Scratch? t_scratch;

    /// <summary>The serialized filter of <paramref name="keys"/> (distinct), or null in the (astronomically unlikely) case no seed peels them.</summary>
    public static byte[]? Build(List<ulong> keys)
    {
        var n = keys.Count;
        if (n == 0)
            return Empty();
        var segmentLog = SegmentLengthLog(n);
        var segmentLength = 1 << segmentLog;
        var factor = n <= 1 ? 3.0 : Math.Max(1.125, 0.875 + 0.25 * Math.Log(1e6) / Math.Log(n));
        var segmentCount = (int)Math.Max(1, Math.Ceiling(n * factor / segmentLength) - 2);
        var cells = (segmentCount + 2) * segmentLength;
        var scratch = t_scratch ??= new Scratch();
        scratch.Ensure(cells, n);
        var seedState = 0x9E3779B97F4A7C15UL * (ulong)(n + 1);
        for (var attempt = 0; attempt < MaxAttempts; attempt++)
        {
            var seed = SplitMix(ref seedState);
            if (TryPeel(keys, seed, segmentLength, segmentCount, cells, scratch))
                return Assign(seed, segmentLog, segmentCount, cells, n, scratch);
        }
        return null;
    }

    private static int SegmentLengthLog(int n)
    {
        if (n <= 1)
            return 2;
        var log = (int)Math.Floor(Math.Log(n) / Math.Log(3.33) + 2.25);
        return Math.Clamp(log, 1, MaxSegmentLengthLog);
    }

    private static bool TryPeel(List<ulong> keys, ulong seed, int segmentLength, int segmentCount, int cells, Scratch s)
    {
        var count = s.Count;
        var xor = s.Xor;
        Array.Clear(count, 0, cells);
        Array.Clear(xor, 0, cells);
        var range = (ulong)segmentCount * (uint)segmentLength;
        var mask = (uint)segmentLength - 1;
        foreach (var key in keys)
        {
            var h = Hash(key, seed);
            Cells(h, range, (uint)segmentLength, mask, out var c0, out var c1, out var c2);
            count[c0]++;
            xor[c0] ^= h;
            count[c1]++;
            xor[c1] ^= h;
            count[c2]++;
            xor[c2] ^= h;
        }
        // Cells a single key occupies can be given to it last; peeling them frees more.
        var queue = s.Queue;
        var q = 0;
        for (var c = 0; c < cells; c++)
            if (count[c] == 1)
                queue[q++] = c;
        var stack = s.StackHash;
        var stackCell = s.StackCell;
        var peeled = 0;
        while (q > 0)
        {
            var c = queue[--q];
            if (count[c] != 1)
                continue;
            var h = xor[c];
            stack[peeled] = h;
            stackCell[peeled] = c;
            peeled++;
            Cells(h, range, (uint)segmentLength, mask, out var c0, out var c1, out var c2);
            foreach (var other in (ReadOnlySpan<int>)[c0, c1, c2])
            {
                count[other]--;
                xor[other] ^= h;
                if (count[other] == 1)
                    queue[q++] = other;
            }
        }
        return peeled == keys.Count;
    }

    private static byte[] Assign(ulong seed, int segmentLog, int segmentCount, int cells, int n, Scratch s)
    {
        var result = new byte[HeaderSize + (cells + 1) / 2];
        BinaryPrimitives.WriteUInt64LittleEndian(result, seed);
        result[8] = (byte)segmentLog;
        result[9] = FlagMarkerTriples;
        BinaryPrimitives.WriteUInt32LittleEndian(result.AsSpan(12), (uint)segmentCount);
        var data = result.AsSpan(HeaderSize);
        var segmentLength = 1 << segmentLog;
        var range = (ulong)segmentCount * (uint)segmentLength;
        var mask = (uint)segmentLength - 1;
        for (var i = n - 1; i >= 0; i--)
        {
            var h = s.StackHash[i];
            var own = s.StackCell[i];
            Cells(h, range, (uint)segmentLength, mask, out var c0, out var c1, out var c2);
            // The key's own cell is still 0 (each cell is some key's own at most once), and its two other cells are final:
            // keys peeled before it never use them (a cell is peeled only when no other unpeeled key shares it), and
            // those peeled after it were assigned already.
            Set(data, own, Fingerprint(h) ^ Get(data, c0) ^ Get(data, c1) ^ Get(data, c2));
        }
        return result;
    }

    /// <summary>False when <paramref name="key"/> is certainly not among the filter's keys.</summary>
    public static bool MayContain(ReadOnlySpan<byte> filter, ulong key)
    {
        var segmentCount = BinaryPrimitives.ReadUInt32LittleEndian(filter[12..]);
        if (segmentCount == 0)
            return false;
        var seed = BinaryPrimitives.ReadUInt64LittleEndian(filter);
        var segmentLength = 1u << filter[8];
        var h = Hash(key, seed);
        Cells(h, (ulong)segmentCount * segmentLength, segmentLength, segmentLength - 1, out var c0, out var c1, out var c2);
        var data = filter[HeaderSize..];
        return (Get(data, c0) ^ Get(data, c1) ^ Get(data, c2)) == Fingerprint(h);
    }

    /// <summary>Header byte 9, bit 0: markers are written as <see cref="TokenKeys.MarkerKeys"/> keys each (docs/format/chunk.md).</summary>
    public const byte FlagMarkerTriples = 1;

    private static byte[] Empty()
    {
        var empty = new byte[HeaderSize];
        empty[9] = FlagMarkerTriples;
        return empty;
    }

    /// <summary>The filter's writer added every marker as <see cref="TokenKeys.MarkerKeys"/> keys (filters of this session's first version-3 writers did not).</summary>
    public static bool HasMarkerTriples(ReadOnlySpan<byte> filter) => (filter[9] & FlagMarkerTriples) != 0;

    /// <summary>
    /// Checks a filter's fields against its length (a reader calls it once per filter before <see cref="MayContain"/>).
    /// </summary>
    public static bool IsWellFormed(ReadOnlySpan<byte> filter)
    {
        if (filter.Length < HeaderSize || filter[8] > MaxSegmentLengthLog || filter[8] < 1 && BinaryPrimitives.ReadUInt32LittleEndian(filter[12..]) != 0)
            return false;
        var segmentCount = (long)BinaryPrimitives.ReadUInt32LittleEndian(filter[12..]);
        if (segmentCount == 0)
            return filter.Length == HeaderSize;
        var cells = (segmentCount + 2) << filter[8];
        return filter.Length == HeaderSize + (cells + 1) / 2;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Hash(ulong key, ulong seed)
    {
        // MurmurHash3's 64-bit finalizer.
        var h = key + seed;
        h ^= h >> 33;
        h *= 0xff51afd7ed558ccdUL;
        h ^= h >> 33;
        h *= 0xc4ceb9fe1a85ec53UL;
        h ^= h >> 33;
        return h;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Cells(ulong h, ulong range, uint segmentLength, uint mask, out int c0, out int c1, out int c2)
    {
        var first = (uint)Math.BigMul(h, range, out _);
        c0 = (int)first;
        c1 = (int)((first + segmentLength) ^ ((uint)(h >> 18) & mask));
        c2 = (int)((first + 2 * segmentLength) ^ ((uint)h & mask));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Fingerprint(ulong h) => (int)((h ^ (h >> 32)) & 15);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Get(ReadOnlySpan<byte> data, int cell) => (data[cell >> 1] >> ((cell & 1) << 2)) & 15;

    private static void Set(Span<byte> data, int cell, int value)
    {
        var shift = (cell & 1) << 2;
        data[cell >> 1] = (byte)((data[cell >> 1] & ~(15 << shift)) | (value << shift));
    }

    private static ulong SplitMix(ref ulong state)
    {
        var z = state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Per-thread construction arrays, grown as needed.</summary>
    private sealed class Scratch
    {
        public int[] Count = [];
        public ulong[] Xor = [];
        public int[] Queue = [];
        public ulong[] StackHash = [];
        public int[] StackCell = [];

        public void Ensure(int cells, int keys)
        {
            if (Count.Length < cells)
            {
                Count = new int[cells];
                Xor = new ulong[cells];
                // A cell enters the queue each time its count drops to 1: at most once at start and once per key.
                Queue = new int[cells + 3 * keys];
            }
            if (Queue.Length < cells + 3 * keys)
                Queue = new int[cells + 3 * keys];
            if (StackHash.Length < keys)
            {
                StackHash = new ulong[keys];
                StackCell = new int[keys];
            }
        }
    }
}
