using System.IO.Hashing;

namespace Sawmill.LogQL.Log;

/// <summary>
/// Per-stream cache from a parser's raw key bytes to the label name it resolves to (sanitised, suffixed, or null
/// when the key is not extracted), so repeated keys cost a hash and a compare. Direct-mapped; not thread-safe.
/// </summary>
internal sealed class KeyCache
{
    private const int Slots = 256;
    // Allocated on first use (4 KiB): nested keys, and with positional recognition (KeyPositions) most top-level
    // keys, never get here, and a query can have thousands of streams.
    private byte[]?[]? _keys;
    private string?[]? _names;

    public bool TryGet(ReadOnlySpan<byte> key, out string? name, out int slot)
    {
        slot = (int)(XxHash3.HashToUInt64(key) & (Slots - 1));
        var k = _keys?[slot];
        if (k != null && key.SequenceEqual(k))
        {
            name = _names![slot];
            return true;
        }
        name = null;
        return false;
    }

    public void Add(int slot, ReadOnlySpan<byte> key, string? name)
    {
        _keys ??= new byte[Slots][];
        _names ??= new string[Slots];
        _keys[slot] = key.ToArray();
        _names[slot] = name;
    }
}
