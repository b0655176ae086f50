using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace Sawmill.Storage.Chunks;

/// <summary>
/// The keys a block's token filter holds for its lines, and the keys a search needs to find (docs/format/chunk.md,
/// "Token filter"). A <b>token</b> is a maximal run of word bytes — ASCII letters, digits, <c>_</c> and every byte
/// ≥ 0x80 (so UTF-8 letters stay inside words) — within one line: words, ids, numbers and the parts of dotted or dashed
/// values (<c>10.0.3.7</c> is 4 tokens, a UUID 5). A token shorter than <see cref="MinLength"/> bytes has no key. A
/// token of up to 8 bytes has one key: its bytes. A longer token is cut into 8-byte <b>pieces</b> from its start
/// (offsets 0, 8, 16, …) plus, when its length is not a multiple of 8, its last 8 bytes; each piece is a key. A key is
/// at most 8 bytes, so it is packed into a <see cref="ulong"/> (little endian, zero padded: word bytes are never 0)
/// and needs no string hashing. Marker keys (<see cref="JsonObjectMarker"/>, <see cref="BackslashMarker"/>) start
/// with byte 0x01 and the keys of structured metadata names (<see cref="MetadataName"/>) with 0x02, which no token
/// contains.
/// <para>
/// Because keys follow token boundaries, what a search may check depends on how much of a token it knows:
/// a whole token (bounded on both sides) needs all its keys; a token known to start where the search's text starts it
/// (its left end bounded) needs its full pieces from offset 0; one known to end there needs its last 8 bytes; a run of
/// word bytes at an unknown offset inside a token (a substring search's only token) needs, for one of the 8 possible
/// offsets modulo 8, every full piece at that alignment (<see cref="Needle"/>).
/// </para>
/// Stateless; thread-safe.
/// </summary>
internal static class TokenKeys
{
    /// <summary>Tokens shorter than this have no key (short tokens are few and common; trigrams cover them).</summary>
    public const int MinLength = 5;

    /// <summary>Bytes of one key (a token of up to this length, or one piece of a longer token).</summary>
    public const int PieceLength = 8;

    /// <summary>Some line of the block starts with <c>{</c> after optional JSON whitespace (a JSON object).</summary>
    public const ulong JsonObjectMarker = 0x01 | ((ulong)'{' << 8);

    /// <summary>Some line of the block contains a backslash (an escape in JSON or in a quoted logfmt value).</summary>
    public const ulong BackslashMarker = 0x01 | ((ulong)'\\' << 8);

    /// <summary>
    /// How many keys a marker is written as: the marker itself and <c>marker | k &lt;&lt; 16</c> for k = 1, 2. One 4-bit
    /// fingerprint lets an absent marker pass 1 time in 16, too often for the backslash marker, which lets a block pass
    /// every escaped-value condition; three pass 1 time in 4,096. Filters written so say it in their header
    /// (<see cref="TokenFilter.HasMarkerTriples"/>); older ones hold the marker alone.
    /// </summary>
    public const int MarkerKeys = 3;

    /// <summary>The <paramref name="k"/>-th key of <paramref name="marker"/> (k &lt; <see cref="MarkerKeys"/>).</summary>
    public static ulong MarkerKey(ulong marker, int k) => marker | ((ulong)k << 16);

    private static void AddMarker(ulong marker, KeySet into)
    {
        for (var k = 0; k < MarkerKeys; k++)
            into.Add(MarkerKey(marker, k));
    }

    /// <summary>False when <paramref name="filter"/> proves that no line of its block has <paramref name="marker"/>.</summary>
    public static bool MarkerMayBeIn(ReadOnlySpan<byte> filter, ulong marker)
    {
        if (!TokenFilter.MayContain(filter, marker))
            return false;
        if (!TokenFilter.HasMarkerTriples(filter))
            return true;
        for (var k = 1; k < MarkerKeys; k++)
            if (!TokenFilter.MayContain(filter, MarkerKey(marker, k)))
                return false;
        return true;
    }

    /// <summary>The key saying that some entry of the block has a structured metadata label named <paramref name="name"/>.</summary>
    public static ulong MetadataName(string name)
    {
        Span<byte> utf8 = name.Length <= 128 ? stackalloc byte[name.Length * 3] : new byte[name.Length * 3];
        var n = System.Text.Encoding.UTF8.GetBytes(name, utf8);
        return 0x02 | (System.IO.Hashing.XxHash64.HashToUInt64(utf8[..n]) << 8);
    }

    private static readonly bool[] Word = BuildWordTable();

    private static bool[] BuildWordTable()
    {
        var t = new bool[256];
        for (var b = 0; b < 256; b++)
            t[b] = b is >= 'a' and <= 'z' or >= 'A' and <= 'Z' or >= '0' and <= '9' or '_' or >= 0x80;
        return t;
    }

    /// <summary>True for the bytes tokens are made of.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsWordByte(byte b) => Word[b];

    /// <summary>Adds the keys of <paramref name="line"/>'s tokens and markers to <paramref name="into"/>.</summary>
    public static void AddLine(ReadOnlySpan<byte> line, KeySet into)
    {
        var word = Word;
        var i = 0;
        var n = line.Length;
        // JSON whitespace before a '{' is allowed (Loki's parser skips it).
        while (i < n && line[i] is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n')
            i++;
        if (i < n && line[i] == '{')
            AddMarker(JsonObjectMarker, into);
        i = 0;
        var backslash = false;
        while (i < n)
        {
            var b = line[i];
            if (!word[b])
            {
                backslash |= b == '\\';
                i++;
                continue;
            }
            var start = i;
            i++;
            while (i < n && word[line[i]])
                i++;
            AddToken(line[start..i], into);
        }
        if (backslash)
            AddMarker(BackslashMarker, into);
    }

    /// <summary>Adds the keys of one token (a run of word bytes).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void AddToken(ReadOnlySpan<byte> token, KeySet into)
    {
        var len = token.Length;
        if (len < MinLength)
            return;
        if (len <= PieceLength)
        {
            into.Add(Pack(token));
            return;
        }
        var at = 0;
        for (; at + PieceLength <= len; at += PieceLength)
            into.Add(BinaryPrimitives.ReadUInt64LittleEndian(token[at..]));
        if (at < len)
            into.Add(BinaryPrimitives.ReadUInt64LittleEndian(token[(len - PieceLength)..]));
    }

    /// <summary>The key of up to 8 bytes: little endian, zero padded.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Pack(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length == PieceLength)
            return BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        ulong v = 0;
        for (var i = bytes.Length - 1; i >= 0; i--)
            v = (v << 8) | bytes[i];
        return v;
    }

    /// <summary>
    /// What a block must hold for a line of it to contain <paramref name="text"/>: a list of alternatives, each a list
    /// of keys that must all be present (the block may match when some alternative has all its keys). An empty outer
    /// list means nothing can be checked (the block may always match). <paramref name="bounded"/> says the text is known
    /// to stand in the line between non-word bytes (or the line's ends) — a whole value such as a JSON string —
    /// rather than anywhere, as a substring search's text may.
    /// </summary>
    public static List<ulong[]> Needle(ReadOnlySpan<byte> text, bool bounded)
    {
        var required = new List<ulong>();
        List<ulong[]>? alternatives = null;
        var i = 0;
        var n = text.Length;
        while (i < n)
        {
            if (!Word[text[i]])
            {
                i++;
                continue;
            }
            var start = i;
            while (i < n && Word[text[i]])
                i++;
            var token = text[start..i];
            var leftBounded = bounded || start > 0;
            var rightBounded = bounded || i < n;
            if (leftBounded && rightBounded)
            {
                var keys = new KeySet(8);
                AddToken(token, keys);
                required.AddRange(keys.Keys);
            }
            else if (leftBounded)
            {
                // The line's token starts here: its pieces from offset 0 that lie within the text.
                for (var at = 0; at + PieceLength <= token.Length; at += PieceLength)
                    required.Add(BinaryPrimitives.ReadUInt64LittleEndian(token[at..]));
            }
            else if (rightBounded)
            {
                // The line's token ends here: its last 8 bytes are its last piece (or the whole token).
                if (token.Length >= PieceLength)
                    required.Add(BinaryPrimitives.ReadUInt64LittleEndian(token[^PieceLength..]));
            }
            else
            {
                // Anywhere inside a longer token: one of 8 alignments of the token's piece grid.
                alternatives = [];
                for (var a = 0; a < PieceLength; a++)
                {
                    var keys = new List<ulong>();
                    for (var at = a; at + PieceLength <= token.Length; at += PieceLength)
                        keys.Add(BinaryPrimitives.ReadUInt64LittleEndian(token[at..]));
                    if (keys.Count == 0)
                    {
                        alternatives = null;
                        break;
                    }
                    alternatives.Add([.. keys]);
                }
            }
        }
        if (alternatives == null)
            return required.Count == 0 ? [] : [[.. required]];
        // Only one token can be unbounded on both sides (the text is that token), so nothing else is required.
        return alternatives;
    }
}

/// <summary>
/// A set of 64-bit keys with open addressing (0 is stored apart), reused block after block: <see cref="Clear"/>
/// forgets the keys in time proportional to their number. Not thread-safe.
/// </summary>
internal sealed class KeySet(int capacity = 1024)
{
    private ulong[] _slots = new ulong[RoundUp(capacity * 2)];
    private readonly List<ulong> _keys = new(capacity);
    private bool _hasZero;

    public int Count => _keys.Count;

    /// <summary>The distinct keys, in the order they were first added.</summary>
    public List<ulong> Keys => _keys;

    private static int RoundUp(int n)
    {
        var p = 16;
        while (p < n)
            p <<= 1;
        return p;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Add(ulong key)
    {
        if (key == 0)
        {
            if (!_hasZero)
            {
                _hasZero = true;
                _keys.Add(0);
            }
            return;
        }
        var slots = _slots;
        var mask = slots.Length - 1;
        var i = (int)((key * 0x9E3779B97F4A7C15UL) >> 40) & mask;
        while (true)
        {
            var s = slots[i];
            if (s == key)
                return;
            if (s == 0)
                break;
            i = (i + 1) & mask;
        }
        slots[i] = key;
        _keys.Add(key);
        if (_keys.Count * 2 > slots.Length)
            Grow();
    }

    private void Grow()
    {
        var bigger = new ulong[_slots.Length * 2];
        var mask = bigger.Length - 1;
        foreach (var key in _keys)
        {
            if (key == 0)
                continue;
            var i = (int)((key * 0x9E3779B97F4A7C15UL) >> 40) & mask;
            while (bigger[i] != 0)
                i = (i + 1) & mask;
            bigger[i] = key;
        }
        _slots = bigger;
    }

    public void Clear()
    {
        if (_keys.Count * 8 < _slots.Length)
        {
            var mask = _slots.Length - 1;
            foreach (var key in _keys)
            {
                if (key == 0)
                    continue;
                var i = (int)((key * 0x9E3779B97F4A7C15UL) >> 40) & mask;
                while (_slots[i] != key)
                    i = (i + 1) & mask;
                // Linear probing: clearing one slot can break later chains, so every listed key is cleared (all go).
                _slots[i] = 0;
            }
        }
        else
        {
            Array.Clear(_slots);
        }
        _keys.Clear();
        _hasZero = false;
    }
}
