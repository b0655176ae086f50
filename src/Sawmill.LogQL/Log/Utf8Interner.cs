using System.IO.Hashing;
using System.Text;

namespace Sawmill.LogQL.Log;

/// <summary>
/// Turns short UTF-8 byte strings into strings, returning the same string instance for repeated bytes so that
/// label values that recur (levels, status codes, paths) cost no allocation per entry. A direct-mapped table:
/// a collision simply replaces the slot. Not thread-safe: one per <see cref="StreamPipeline"/>.
/// </summary>
internal sealed class Utf8Interner
{
    private const int Slots = 1024;
    private const int MaxLength = 64;
    private readonly byte[]?[] _keys = new byte[Slots][];
    private readonly string?[] _values = new string[Slots];

    private readonly bool[] _hit = new bool[Slots];

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
        var slot = (int)(XxHash3.HashToUInt64(utf8) & (Slots - 1));
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
}
