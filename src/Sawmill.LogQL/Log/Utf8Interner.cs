using System.Runtime.InteropServices;
using System.Text;

namespace Sawmill.LogQL.Log;

/// <summary>
/// Turns short UTF-8 byte strings into strings, returning the same string instance for repeated bytes so that
/// label values that recur (levels, status codes, paths) cost no allocation per entry. A direct-mapped table:
/// a collision simply replaces the slot. Not thread-safe: one per <see cref="StreamPipeline"/>.
/// </summary>
internal sealed class Utf8Interner
{
    private const int SlotBits = 10;
    private const int Slots = 1 << SlotBits;
    private const int MaxLength = 64;
    // Allocated on the first value (17 KiB): a query's stream pipelines often never intern anything (a metric query
    // that unwraps or groups reads values as bytes), and a query can have thousands of streams.
    private byte[]?[] _keys = null!;
    private string?[] _values = null!;
    private bool[] _hit = null!;

    /// <summary>True when the last <see cref="Get"/> created a new string (a value not seen recently).</summary>
    public bool LastWasNew { get; private set; }

    public string Get(ReadOnlySpan<byte> utf8)
    {
        LastWasNew = false;
        if (utf8.IsEmpty)
            return "";
        if (utf8.Length > MaxLength)
        {
            LastWasNew = true;
            return Encoding.UTF8.GetString(utf8);
        }
        if (_keys == null)
        {
            _keys = new byte[Slots][];
            _values = new string[Slots];
            _hit = new bool[Slots];
        }
        var slot = Slot(utf8);
        var key = _keys[slot];
        if (key != null && utf8.SequenceEqual(key))
        {
            _hit[slot] = true;
            return _values[slot]!;
        }
        var s = Encoding.UTF8.GetString(utf8);
        LastWasNew = true;
        if (key != null && _hit[slot])
        {
            // Second chance: a value that recurred keeps its slot once against a newcomer, so a stream of unique
            // values (ids, timestamps) does not keep evicting the recurring ones (levels, paths, status codes).
            _hit[slot] = false;
            return s;
        }
        if (key != null && key.Length == utf8.Length)
            utf8.CopyTo(key); // reuse the evicted key's array
        else
            _keys[slot] = utf8.ToArray();
        _values[slot] = s;
        return s;
    }

    /// <summary>
    /// The slot of a non-empty value: a multiplicative hash of its first and last 8 bytes (4, or three single bytes,
    /// for shorter values) and its length, top bits taken. Cheaper than a full hash for the short values interned
    /// here; a collision only costs a miss (the key bytes are always compared).
    /// </summary>
    private static int Slot(ReadOnlySpan<byte> s)
    {
        ulong a, b;
        if (s.Length >= 8)
        {
            a = MemoryMarshal.Read<ulong>(s);
            b = MemoryMarshal.Read<ulong>(s[^8..]);
        }
        else if (s.Length >= 4)
        {
            a = MemoryMarshal.Read<uint>(s);
            b = MemoryMarshal.Read<uint>(s[^4..]);
        }
        else
        {
            a = s[0] | ((ulong)s[^1] << 8) | ((ulong)s[s.Length >> 1] << 16);
            b = 0;
        }
        var h = (a * 0x9E3779B97F4A7C15UL) ^ (b * 0xC2B2AE3D27D4EB4FUL) ^ ((ulong)s.Length * 0x165667B19E3779F9UL);
        return (int)(h >> (64 - SlotBits));
    }
}
