using System.Numerics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Sawmill.LogQL.Log;

/// <summary>
/// Bitmaps of the <c>"</c> and <c>\</c> positions of one line, built 64 bytes at a time as the parser reaches them,
/// so finding a string's end is a bit scan instead of a vector search per key and per value (the JSON parser calls
/// it twice per field). Strings holding a backslash fall back to <see cref="JsonScanner.StringEnd"/>. Call
/// <see cref="Reset"/> for every line; positions are absolute in that line. Not thread-safe: one per stream state.
/// </summary>
internal sealed class QuoteIndex
{
    private ulong[] _quotes = new ulong[8];
    private ulong[] _backslashes = new ulong[8];
    private int _blocks;
    private int _built;

    /// <summary>Starts a new line of <paramref name="length"/> bytes.</summary>
    public void Reset(int length)
    {
        _blocks = (length + 63) >> 6;
        if (_quotes.Length < _blocks)
        {
            _quotes = new ulong[Math.Max(_blocks, _quotes.Length * 2)];
            _backslashes = new ulong[_quotes.Length];
        }
        _built = 0;
    }

    /// <summary>Same contract as <see cref="JsonScanner.StringEnd"/> over the line given to <see cref="Reset"/>.</summary>
    public int StringEnd(ReadOnlySpan<byte> s, int i, out bool escaped)
    {
        var b = i >> 6;
        if (b >= _blocks)
            return JsonScanner.StringEnd(s, i, out escaped);
        Build(s, b);
        var from = ulong.MaxValue << (i & 63);
        var quotes = _quotes[b] & from;
        var backslashes = _backslashes[b] & from;
        while (quotes == 0)
        {
            if (backslashes != 0 || ++b >= _blocks)
                return JsonScanner.StringEnd(s, i, out escaped);
            Build(s, b);
            quotes = _quotes[b];
            backslashes = _backslashes[b];
        }
        var bit = BitOperations.TrailingZeroCount(quotes);
        if ((backslashes & ((1UL << bit) - 1)) != 0)
            return JsonScanner.StringEnd(s, i, out escaped); // an escape before the quote: it may be escaped itself
        escaped = false;
        return (b << 6) + bit;
    }

    private void Build(ReadOnlySpan<byte> s, int block)
    {
        for (; _built <= block; _built++)
        {
            var start = _built << 6;
            if (s.Length - start >= 64)
            {
                ref var first = ref MemoryMarshal.GetReference(s);
                ulong q = 0, bs = 0;
                for (var k = 0; k < 4; k++)
                {
                    var v = Vector128.LoadUnsafe(ref first, (nuint)(start + k * 16));
                    q |= (ulong)Vector128.Equals(v, Vector128.Create((byte)'"')).ExtractMostSignificantBits() << (k * 16);
                    bs |= (ulong)Vector128.Equals(v, Vector128.Create((byte)'\\')).ExtractMostSignificantBits() << (k * 16);
                }
                _quotes[_built] = q;
                _backslashes[_built] = bs;
            }
            else
            {
                ulong q = 0, bs = 0;
                for (var k = start; k < s.Length; k++)
                {
                    if (s[k] == '"')
                        q |= 1UL << (k - start);
                    else if (s[k] == '\\')
                        bs |= 1UL << (k - start);
                }
                _quotes[_built] = q;
                _backslashes[_built] = bs;
            }
        }
    }
}
