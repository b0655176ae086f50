using System.Buffers;
using System.IO.Hashing;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using Sawmill.GoCompat;

namespace Sawmill.Core;

/// <summary>
/// An immutable label set, sorted by name with unique names. Two sets with the same pairs are equal
/// and have the same <see cref="Hash"/>. Thread-safe (immutable).
/// </summary>
public sealed class Labels : IEquatable<Labels>, IComparable<Labels>
{
    private readonly Label[] _labels;
    private string? _text;
    // The hash, computed on first use (a set built per log entry is often never hashed); 0 = not yet. A set whose
    // hash really is 0 recomputes it on every read: correct, and rare enough not to need a separate flag.
    private ulong _hash;

    public static readonly Labels Empty = new([], trusted: true);

    private Labels(Label[] sorted, bool trusted)
    {
        _labels = sorted;
    }

    /// <summary>Builds a set from pairs in any order. Later duplicates of a name replace earlier ones.</summary>
    public static Labels From(IEnumerable<Label> labels)
    {
        var list = new List<Label>(labels);
        if (list.Count == 0)
            return Empty;
        list.Sort(static (a, b) => string.CompareOrdinal(a.Name, b.Name));
        // Keep the last occurrence of each name.
        var result = new List<Label>(list.Count);
        foreach (var l in list)
        {
            if (result.Count > 0 && result[^1].Name == l.Name)
                result[^1] = l;
            else
                result.Add(l);
        }
        return new Labels(result.ToArray(), trusted: true);
    }

    public static Labels From(params (string Name, string Value)[] pairs)
    {
        var arr = new Label[pairs.Length];
        for (var i = 0; i < pairs.Length; i++)
            arr[i] = new Label(pairs[i].Name, pairs[i].Value);
        return From(arr);
    }

    /// <summary>Wraps an array that the caller guarantees is sorted by name with unique names. The array is owned by the result.</summary>
    public static Labels FromSorted(Label[] sorted) => sorted.Length == 0 ? Empty : new Labels(sorted, trusted: true);

    public int Count => _labels.Length;

    public Label this[int index] => _labels[index];

    public ReadOnlySpan<Label> AsSpan() => _labels;

    /// <summary>
    /// 64-bit xxHash of the pairs (each name and value as UTF-16 bytes followed by 0xff); stable across processes
    /// and versions (it is persisted). Computed on first read; thread-safe (racing readers compute the same value).
    /// </summary>
    public ulong Hash
    {
        get
        {
            var h = Volatile.Read(ref _hash);
            if (h == 0)
            {
                h = ComputeHash(_labels);
                Volatile.Write(ref _hash, h);
            }
            return h;
        }
    }

    public string? Get(string name)
    {
        var i = IndexOf(name);
        return i >= 0 ? _labels[i].Value : null;
    }

    public bool Has(string name) => IndexOf(name) >= 0;

    public int IndexOf(string name)
    {
        int lo = 0, hi = _labels.Length - 1;
        while (lo <= hi)
        {
            var mid = (lo + hi) >>> 1;
            var c = string.CompareOrdinal(_labels[mid].Name, name);
            if (c == 0)
                return mid;
            if (c < 0)
                lo = mid + 1;
            else
                hi = mid - 1;
        }
        return -1;
    }

    public LabelsBuilder ToBuilder() => new(this);

    public Label[] ToArray() => (Label[])_labels.Clone();

    public Dictionary<string, string> ToDictionary()
    {
        var d = new Dictionary<string, string>(_labels.Length, StringComparer.Ordinal);
        foreach (var l in _labels)
            d[l.Name] = l.Value;
        return d;
    }

    /// <summary>Loki's text form: <c>{a="1", b="2"}</c>, values escaped as Go's <c>strconv.Quote</c> does.</summary>
    public override string ToString()
    {
        if (_text != null)
            return _text;
        var sb = new StringBuilder(2 + _labels.Length * 16);
        sb.Append('{');
        for (var i = 0; i < _labels.Length; i++)
        {
            if (i > 0)
                sb.Append(", ");
            sb.Append(_labels[i].Name).Append('=');
            GoQuote.Append(sb, _labels[i].Value);
        }
        sb.Append('}');
        return _text = sb.ToString();
    }

    public bool Equals(Labels? other)
    {
        if (ReferenceEquals(this, other))
            return true;
        if (other is null || other.Hash != Hash || other._labels.Length != _labels.Length)
            return false;
        for (var i = 0; i < _labels.Length; i++)
        {
            if (!string.Equals(_labels[i].Name, other._labels[i].Name, StringComparison.Ordinal) ||
                !string.Equals(_labels[i].Value, other._labels[i].Value, StringComparison.Ordinal))
                return false;
        }
        return true;
    }

    public override bool Equals(object? obj) => obj is Labels l && Equals(l);

    public override int GetHashCode() => (int)Hash ^ (int)(Hash >> 32);

    /// <summary>Orders label sets as Prometheus does: pair by pair, names then values, shorter first.</summary>
    public int CompareTo(Labels? other)
    {
        if (other is null)
            return 1;
        var n = Math.Min(_labels.Length, other._labels.Length);
        for (var i = 0; i < n; i++)
        {
            var c = string.CompareOrdinal(_labels[i].Name, other._labels[i].Name);
            if (c != 0)
                return c;
            c = string.CompareOrdinal(_labels[i].Value, other._labels[i].Value);
            if (c != 0)
                return c;
        }
        return _labels.Length.CompareTo(other._labels.Length);
    }

    /// <summary>
    /// One-shot xxHash64 over the concatenated pairs: the same value the streaming hasher gives over the same bytes
    /// (the persisted values are pinned by a test), without allocating a hasher per set.
    /// </summary>
    [SkipLocalsInit]
    private static ulong ComputeHash(Label[] labels)
    {
        var length = 0;
        foreach (var l in labels)
            length += (l.Name.Length + l.Value.Length) * sizeof(char) + 2;
        byte[]? rented = null;
        var buffer = length <= 2048 ? stackalloc byte[2048] : (rented = ArrayPool<byte>.Shared.Rent(length));
        var n = 0;
        foreach (var l in labels)
        {
            var name = MemoryMarshal.AsBytes(l.Name.AsSpan());
            name.CopyTo(buffer[n..]);
            n += name.Length;
            buffer[n++] = 0xff;
            var value = MemoryMarshal.AsBytes(l.Value.AsSpan());
            value.CopyTo(buffer[n..]);
            n += value.Length;
            buffer[n++] = 0xff;
        }
        var hash = XxHash64.HashToUInt64(buffer[..n]);
        if (rented != null)
            ArrayPool<byte>.Shared.Return(rented);
        return hash;
    }
}
