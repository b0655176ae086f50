namespace Sawmill.LogQL.Log;

/// <summary>
/// A parser's memory of the key it met at each position of the previous line, with what that key resolved to (label
/// name, null when not extracted, and its hint bit). Lines of one stream almost always repeat their keys in the same
/// order, so the n-th key is recognised by one comparison instead of a hash lookup (<see cref="KeyCache"/>) plus a
/// hint-dictionary lookup. Only the first <see cref="Max"/> positions are remembered. Not thread-safe: one per stream
/// state.
/// </summary>
internal sealed class KeyPositions
{
    public const int Max = 32;
    private readonly byte[]?[] _keys = new byte[Max][];
    private readonly int[] _lengths = CreateLengths();
    private readonly string?[] _names = new string?[Max];
    private readonly ulong[] _bits = new ulong[Max];

    /// <summary>True when the key at <paramref name="ordinal"/> of the previous line was <paramref name="key"/>.</summary>
    public bool TryGet(int ordinal, ReadOnlySpan<byte> key, out string? name, out ulong bit)
    {
        if ((uint)ordinal < Max && _lengths[ordinal] == key.Length && key.SequenceEqual(_keys[ordinal].AsSpan(0, key.Length)))
        {
            name = _names[ordinal];
            bit = _bits[ordinal];
            return true;
        }
        name = null;
        bit = 0;
        return false;
    }

    /// <summary>Remembers what <paramref name="key"/> at <paramref name="ordinal"/> resolved to (ignored past <see cref="Max"/>).</summary>
    public void Remember(int ordinal, ReadOnlySpan<byte> key, string? name, ulong bit)
    {
        if ((uint)ordinal >= Max)
            return;
        ref var buffer = ref _keys[ordinal];
        if (buffer == null || buffer.Length < key.Length)
            buffer = new byte[Math.Max(key.Length, 32)];
        key.CopyTo(buffer);
        _lengths[ordinal] = key.Length;
        _names[ordinal] = name;
        _bits[ordinal] = bit;
    }

    private static int[] CreateLengths()
    {
        var lengths = new int[Max];
        Array.Fill(lengths, -1);
        return lengths;
    }
}
