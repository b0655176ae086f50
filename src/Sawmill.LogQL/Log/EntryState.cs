using System.Text;
using Sawmill.Core;

namespace Sawmill.LogQL.Log;

/// <summary>
/// The mutable state of the entry a <see cref="StreamPipeline"/> is processing: timestamp, the stream's labels,
/// the entry's structured metadata and the labels parsers and formatters added, deletions, and Loki's
/// <c>__error__</c>/<c>__error_details__</c>. One instance per stream pipeline, reset for every entry, so the hot
/// path allocates nothing for labels it has seen before (values are interned, label sets are cached by content).
/// Not thread-safe. Stages read and write it; nobody may keep references to its buffers past the entry.
/// </summary>
public sealed class EntryState
{
    public const string ErrorLabel = "__error__";
    public const string ErrorDetailsLabel = "__error_details__";

    private string[] _names = new string[16];
    private string[] _values = new string[16];
    private LabelCategory[] _categories = new LabelCategory[16];
    // Lazy values: a parser stores a value's UTF-8 bytes in _arena (start, length) and _values[i] stays null until
    // someone reads it as a string, so a metric query that only unwraps or groups never allocates the strings.
    private int[] _rawStart = new int[16];
    private int[] _rawLength = new int[16];
    private byte[] _arena = new byte[1024];
    private int _arenaLength;
    // True when a parsed value of this entry became a new string (an id, a timestamp): its label set is then almost
    // surely new too, so BuildLabels skips hashing it against the cache (a miss only costs the deduplication).
    private bool _freshValue;
    private int _count;
    private readonly bool[] _baseDeleted;
    private bool _anyDeleted;
    private Label[] _snapshot = new Label[16];
    // The sorted order of the last label set, reused while parsers add the same names in the same order (for one
    // stream they almost always do): _layout[k] is the source of output position k, an added slot when >= 0, the
    // stream label ~_layout[k] when < 0. Valid for _layoutNames[0.._layoutCount) when nothing was deleted.
    private string[] _layoutNames = new string[16];
    private int _layoutCount = -1;
    private int[] _layout = new int[16];
    private int _layoutLength;
    // True while this entry's added names are, slot by slot, the layout's names: then a name equal to the layout's
    // next one cannot already be present (layout names are unique), so Slot appends it without searching.
    private bool _layoutPrefix;
    // Per added slot: the name the statistics are about and how many of its values in a row were new to the
    // interner. A slot whose values keep being new (ids, timestamps, latencies) is decoded without the interner:
    // hashing and remembering a value that never comes back is pure cost.
    private string?[] _missName = new string[16];
    private int[] _misses = new int[16];
    private readonly Dictionary<int, Labels[]> _labelsCache = new();
    private byte[] _lineA = new byte[512];
    private byte[] _lineB = new byte[512];
    private bool _nextIsA = true;

    internal EntryState(Labels streamLabels)
    {
        StreamLabels = streamLabels;
        _baseDeleted = new bool[streamLabels.Count];
    }

    /// <summary>Nanoseconds since the Unix epoch.</summary>
    public long TimestampNs { get; private set; }

    /// <summary>The stream's labels; constant for the pipeline's life.</summary>
    public Labels StreamLabels { get; }

    /// <summary>Loki's <c>__error__</c> value, null when the entry has none.</summary>
    public string? Error { get; private set; }

    /// <summary>Loki's <c>__error_details__</c> value, null when none.</summary>
    public string? ErrorDetails { get; private set; }

    public bool HasError => Error != null;

    /// <summary>Per-stream cache of UTF-8 → string for label values and names that recur.</summary>
    internal Utf8Interner Interner { get; } = new();

    /// <summary>Starts a new entry: clears everything but the stream labels and adds the structured metadata.</summary>
    internal void Reset(long timestampNs, ReadOnlySpan<Label> metadata)
    {
        TimestampNs = timestampNs;
        if (_count > 0)
        {
            Array.Clear(_names, 0, _count);
            Array.Clear(_values, 0, _count);
            _count = 0;
        }
        _arenaLength = 0;
        _freshValue = false;
        _layoutPrefix = true;
        if (_anyDeleted)
        {
            Array.Clear(_baseDeleted);
            _anyDeleted = false;
        }
        Error = null;
        ErrorDetails = null;
        HasMetadata = !metadata.IsEmpty;
        foreach (var m in metadata)
            Set(LabelCategory.StructuredMetadata, m.Name, m.Value);
    }

    /// <summary>True when the stream labels (not metadata or parsed labels) have <paramref name="name"/>.</summary>
    public bool BaseHas(string name) => StreamLabels.IndexOf(name) >= 0;

    /// <summary>True when the entry has structured metadata at all (cheap test before <see cref="MetadataHas"/>).</summary>
    internal bool HasMetadata { get; private set; }

    /// <summary>True when the entry's structured metadata has <paramref name="name"/>.</summary>
    internal bool MetadataHas(string name)
    {
        if (!HasMetadata)
            return false;
        for (var i = 0; i < _count; i++)
            if (_categories[i] == LabelCategory.StructuredMetadata && string.Equals(_names[i], name, StringComparison.Ordinal))
                return true;
        return false;
    }

    /// <summary>
    /// The name a parser gives a key: with Loki's <c>_extracted</c> suffix when the stream or the entry's structured
    /// metadata already has it.
    /// </summary>
    internal string ParsedName(string name) =>
        BaseHas(name) || MetadataHas(name) ? name + LabelNames.DuplicateSuffix : name;

    /// <summary>
    /// A parser's set (Loki 3): the first value an entry's key gets stays — a key repeated in the line, or extracted
    /// again by a later parser, does not replace it. False when the label was already parsed.
    /// </summary>
    internal bool TrySetParsed(string name, string value)
    {
        if (name is ErrorLabel or ErrorDetailsLabel)
        {
            Set(LabelCategory.Parsed, name, value);
            return true;
        }
        var i = Slot(LabelCategory.Parsed, name, keepParsed: true);
        if (i < 0)
            return false;
        _values[i] = value;
        return true;
    }

    /// <inheritdoc cref="TrySetParsed"/>
    internal bool TrySetParsedUtf8(string name, ReadOnlySpan<byte> value)
    {
        if (value.IsEmpty || name is ErrorLabel or ErrorDetailsLabel)
            return TrySetParsed(name, value.IsEmpty ? "" : Interner.Get(value));
        var i = Slot(LabelCategory.Parsed, name, keepParsed: true);
        if (i < 0)
            return false;
        StoreUtf8(i, value);
        return true;
    }

    /// <summary>The current value of a label (added labels shadow stream labels); null when absent. Knows <c>__error__</c> and <c>__error_details__</c>.</summary>
    public string? Get(string name)
    {
        for (var i = 0; i < _count; i++)
            if (string.Equals(_names[i], name, StringComparison.Ordinal))
                return ValueAt(i);
        var bi = StreamLabels.IndexOf(name);
        if (bi >= 0 && !_baseDeleted[bi])
            return StreamLabels[bi].Value;
        if (name == ErrorLabel)
            return Error;
        if (name == ErrorDetailsLabel)
            return ErrorDetails;
        return null;
    }

    /// <summary>The category of a present label, or null when absent.</summary>
    public LabelCategory? CategoryOf(string name)
    {
        for (var i = 0; i < _count; i++)
            if (string.Equals(_names[i], name, StringComparison.Ordinal))
                return _categories[i];
        var bi = StreamLabels.IndexOf(name);
        return bi >= 0 && !_baseDeleted[bi] ? LabelCategory.Stream : null;
    }

    /// <summary>True when a parser or formatter has set <paramref name="name"/> on this entry.</summary>
    public bool ParsedHas(string name)
    {
        for (var i = 0; i < _count; i++)
            if (_categories[i] == LabelCategory.Parsed && string.Equals(_names[i], name, StringComparison.Ordinal))
                return true;
        return false;
    }

    /// <summary>Sets or replaces a label. Setting <c>__error__</c>/<c>__error_details__</c> sets the error fields.</summary>
    public void Set(LabelCategory category, string name, string value)
    {
        if (name == ErrorLabel)
        {
            Error = value;
            return;
        }
        if (name == ErrorDetailsLabel)
        {
            ErrorDetails = value;
            return;
        }
        var i = Slot(category, name);
        _values[i] = value;
    }

    /// <summary>
    /// Sets or replaces a label with a value given as valid UTF-8 (the caller checked it). The bytes are copied; the
    /// string is only created when the value is read as one (<see cref="Get"/>, <see cref="BuildLabels"/>), so
    /// consumers of <see cref="TryGetUtf8"/> allocate nothing. <paramref name="name"/> must not be an error label.
    /// </summary>
    internal void SetUtf8(LabelCategory category, string name, ReadOnlySpan<byte> value)
    {
        if (value.IsEmpty || name is ErrorLabel or ErrorDetailsLabel)
        {
            Set(category, name, value.IsEmpty ? "" : Interner.Get(value));
            return;
        }
        StoreUtf8(Slot(category, name), value);
    }

    private void StoreUtf8(int i, ReadOnlySpan<byte> value)
    {
        if (_arena.Length - _arenaLength < value.Length)
            Array.Resize(ref _arena, Math.Max(_arena.Length * 2, _arenaLength + value.Length));
        value.CopyTo(_arena.AsSpan(_arenaLength));
        _rawStart[i] = _arenaLength;
        _rawLength[i] = value.Length;
        _arenaLength += value.Length;
        _values[i] = null!;
    }

    /// <summary>
    /// The UTF-8 bytes of an added label whose value has not been read as a string yet (valid until the entry
    /// changes); false when the label is absent, a stream label, or already a string — then use <see cref="Get"/>.
    /// </summary>
    internal bool TryGetUtf8(string name, out ReadOnlySpan<byte> value)
    {
        for (var i = 0; i < _count; i++)
        {
            if (string.Equals(_names[i], name, StringComparison.Ordinal))
            {
                if (_values[i] == null)
                {
                    value = _arena.AsSpan(_rawStart[i], _rawLength[i]);
                    return true;
                }
                break;
            }
        }
        value = default;
        return false;
    }

    /// <summary>The index of <paramref name="name"/> among the added labels, appended when new, with its category set.</summary>
    /// <summary>
    /// The slot of <paramref name="name"/>, added when new. With <paramref name="keepParsed"/>, -1 when the entry
    /// already has it as a parsed label (one search serves both the test and the set).
    /// </summary>
    private int Slot(LabelCategory category, string name, bool keepParsed = false)
    {
        if (_layoutPrefix && _count < _layoutCount && ReferenceEquals(_layoutNames[_count], name))
        {
            _names[_count] = name;
            _categories[_count] = category;
            return _count++;
        }
        for (var i = 0; i < _count; i++)
        {
            if (string.Equals(_names[i], name, StringComparison.Ordinal))
            {
                if (keepParsed && _categories[i] == LabelCategory.Parsed)
                    return -1;
                _categories[i] = category;
                return i;
            }
        }
        if (_count == _names.Length)
        {
            Array.Resize(ref _names, _count * 2);
            Array.Resize(ref _values, _count * 2);
            Array.Resize(ref _categories, _count * 2);
            Array.Resize(ref _rawStart, _count * 2);
            Array.Resize(ref _rawLength, _count * 2);
            Array.Resize(ref _missName, _count * 2);
            Array.Resize(ref _misses, _count * 2);
        }
        _names[_count] = name;
        _categories[_count] = category;
        _layoutPrefix = false;
        return _count++;
    }

    // After this many new values in a row a slot skips the interner; every SkipPeriod-th value after that tries it
    // again, so a label whose values start recurring gets interned again.
    private const int SkipAfter = 8;
    private const int SkipPeriod = 64;

    private string ValueAt(int i)
    {
        if (_values[i] != null)
            return _values[i];
        var raw = _arena.AsSpan(_rawStart[i], _rawLength[i]);
        if (!ReferenceEquals(_missName[i], _names[i]))
        {
            _missName[i] = _names[i];
            _misses[i] = 0;
        }
        if (_misses[i] >= SkipAfter)
        {
            _freshValue = true;
            if (++_misses[i] == SkipPeriod)
                _misses[i] = SkipAfter - 1;
            return _values[i] = Decode(_arena, _rawStart[i], _rawLength[i]);
        }
        var v = Interner.Get(raw);
        if (Interner.LastWasNew)
        {
            _freshValue = true;
            _misses[i]++;
        }
        else
        {
            _misses[i] = 0;
        }
        return _values[i] = v;
    }

    /// <summary>UTF-8 (valid, checked by the parser) to a new string; ASCII, the usual case, is widened without transcoding.</summary>
    private static string Decode(byte[] arena, int start, int length)
    {
        var raw = arena.AsSpan(start, length);
        if (!Ascii.IsValid(raw))
            return Encoding.UTF8.GetString(raw);
        return string.Create(length, (arena, start), static (chars, source) => Ascii.ToUtf16(source.arena.AsSpan(source.start, chars.Length), chars, out _));
    }

    /// <summary>Removes a label whatever its category (also <c>__error__</c>/<c>__error_details__</c>).</summary>
    public void Delete(string name)
    {
        if (name == ErrorLabel)
        {
            Error = null;
            return;
        }
        if (name == ErrorDetailsLabel)
        {
            ErrorDetails = null;
            return;
        }
        _layoutPrefix = false;
        for (var i = 0; i < _count; i++)
        {
            if (string.Equals(_names[i], name, StringComparison.Ordinal))
            {
                _count--;
                _names[i] = _names[_count];
                _values[i] = _values[_count];
                _categories[i] = _categories[_count];
                _rawStart[i] = _rawStart[_count];
                _rawLength[i] = _rawLength[_count];
                _names[_count] = null!;
                _values[_count] = null!;
                break;
            }
        }
        var bi = StreamLabels.IndexOf(name);
        if (bi >= 0)
        {
            _baseDeleted[bi] = true;
            _anyDeleted = true;
        }
    }

    /// <summary>Sets the error (Loki's <c>SetErr</c> overwrites) and its details (kept when <paramref name="details"/> is null).</summary>
    public void SetError(string error, string? details = null)
    {
        Error = error;
        if (details != null)
            ErrorDetails = details;
    }

    /// <summary>
    /// The current labels without the error labels, sorted by name, in a buffer reused for the next call
    /// (valid until the state changes).
    /// </summary>
    public ReadOnlySpan<Label> CurrentLabels()
    {
        var need = StreamLabels.Count + _count + 2;
        if (_snapshot.Length < need)
            _snapshot = new Label[Math.Max(need, _snapshot.Length * 2)];
        if (!_anyDeleted)
        {
            EnsureLayout();
            FillFromLayout(_snapshot);
            return _snapshot.AsSpan(0, _layoutLength);
        }
        var n = 0;
        var stream = StreamLabels.AsSpan();
        for (var i = 0; i < stream.Length; i++)
        {
            if (_baseDeleted[i] || IndexOfAdded(stream[i].Name) >= 0)
                continue;
            _snapshot[n++] = stream[i];
        }
        for (var i = 0; i < _count; i++)
            _snapshot[n++] = new Label(_names[i], ValueAt(i));
        var span = _snapshot.AsSpan(0, n);
        if (_count > 0)
            span.Sort(static (a, b) => string.CompareOrdinal(a.Name, b.Name));
        return span;
    }

    /// <summary>
    /// The entry's final label set as Loki returns it: stream labels, structured metadata and parsed labels (later
    /// writes win), plus <c>__error__</c> and <c>__error_details__</c> when set. The instance is cached by content,
    /// so repeated label sets allocate nothing; when nothing changed it is <see cref="StreamLabels"/> itself. A set
    /// holding a parsed value seen for the first time (an id, a timestamp) is built without the cache, straight into
    /// its final array.
    /// </summary>
    public Labels BuildLabels()
    {
        if (_count == 0 && !_anyDeleted && Error == null && ErrorDetails == null)
            return StreamLabels;
        if (!_anyDeleted && Error == null)
        {
            EnsureLayout();
            for (var i = 0; i < _count; i++)
                if (_values[i] == null)
                    ValueAt(i);
            if (_freshValue)
            {
                var sorted = new Label[_layoutLength];
                FillFromLayout(sorted);
                return Labels.FromSorted(sorted);
            }
        }
        var current = CurrentLabels();
        var n = current.Length;
        if (Error != null)
            n = InsertSorted(n, new Label(ErrorLabel, Error));
        if (Error != null && !string.IsNullOrEmpty(ErrorDetails))
            n = InsertSorted(n, new Label(ErrorDetailsLabel, ErrorDetails));
        var final = _snapshot.AsSpan(0, n);
        if (_freshValue)
            return Labels.FromSorted(final.ToArray());
        var hash = new HashCode();
        foreach (var l in final)
        {
            hash.Add(l.Name);
            hash.Add(l.Value);
        }
        var h = hash.ToHashCode();
        if (_labelsCache.TryGetValue(h, out var bucket))
        {
            foreach (var cached in bucket)
                if (SameLabels(cached, final))
                    return cached;
        }
        var result = Labels.FromSorted(final.ToArray());
        if (_labelsCache.Count < 4096)
            _labelsCache[h] = bucket == null ? [result] : [.. bucket, result];
        return result;
    }

    /// <summary>Writes the current labels (no deletions) in layout order into <paramref name="target"/>, which holds at least <c>_layoutLength</c>.</summary>
    private void FillFromLayout(Label[] target)
    {
        var stream = StreamLabels.AsSpan();
        var layout = _layout;
        for (var k = 0; k < _layoutLength; k++)
        {
            var src = layout[k];
            target[k] = src >= 0 ? new Label(_names[src], ValueAt(src)) : stream[~src];
        }
    }

    /// <summary>
    /// Makes <c>_layout</c> the sorted order of the current labels, valid only while nothing is deleted. Recomputed
    /// only when the added names differ from last time (order included).
    /// </summary>
    private void EnsureLayout()
    {
        if (_layoutCount == _count && _layoutPrefix)
            return;
        if (_layoutCount == _count)
        {
            var same = true;
            for (var i = 0; i < _count; i++)
            {
                if (!string.Equals(_layoutNames[i], _names[i], StringComparison.Ordinal))
                {
                    same = false;
                    break;
                }
            }
            if (same)
                return;
        }
        var stream = StreamLabels.AsSpan();
        var need = stream.Length + _count;
        if (_layout.Length < need)
            _layout = new int[Math.Max(need, _layout.Length * 2)];
        if (_layoutNames.Length < _count)
            _layoutNames = new string[Math.Max(_count, _layoutNames.Length * 2)];
        var n = 0;
        for (var i = 0; i < stream.Length; i++)
            if (IndexOfAdded(stream[i].Name) < 0)
                _layout[n++] = ~i;
        for (var i = 0; i < _count; i++)
            _layout[n++] = i;
        // Insertion sort by name: small n, and it only runs when the set of names changes.
        for (var k = 1; k < n; k++)
        {
            var x = _layout[k];
            var name = LayoutName(x);
            var j = k - 1;
            while (j >= 0 && string.CompareOrdinal(LayoutName(_layout[j]), name) > 0)
            {
                _layout[j + 1] = _layout[j];
                j--;
            }
            _layout[j + 1] = x;
        }
        _layoutLength = n;
        Array.Copy(_names, _layoutNames, _count);
        _layoutCount = _count;
    }

    private string LayoutName(int src) => src >= 0 ? _names[src] : StreamLabels[~src].Name;

    /// <summary>
    /// A buffer the caller may write a new line into, guaranteed not to overlap the line the entry currently has
    /// (two buffers alternate). Valid until the entry after next; owned by this state.
    /// </summary>
    public byte[] RentLineBuffer(int minimumLength)
    {
        ref var buf = ref _nextIsA ? ref _lineA : ref _lineB;
        _nextIsA = !_nextIsA;
        if (buf.Length < minimumLength)
            buf = new byte[Math.Max(minimumLength, buf.Length * 2)];
        return buf;
    }

    private int InsertSorted(int n, Label label)
    {
        if (_snapshot.Length <= n)
            Array.Resize(ref _snapshot, n * 2 + 2);
        var i = 0;
        while (i < n && string.CompareOrdinal(_snapshot[i].Name, label.Name) < 0)
            i++;
        if (i < n && _snapshot[i].Name == label.Name)
        {
            // A stream or parsed label called __error__ loses to the error itself.
            _snapshot[i] = label;
            return n;
        }
        Array.Copy(_snapshot, i, _snapshot, i + 1, n - i);
        _snapshot[i] = label;
        return n + 1;
    }

    private static bool SameLabels(Labels a, ReadOnlySpan<Label> b)
    {
        if (a.Count != b.Length)
            return false;
        var span = a.AsSpan();
        for (var i = 0; i < b.Length; i++)
            if (!string.Equals(span[i].Name, b[i].Name, StringComparison.Ordinal) || !string.Equals(span[i].Value, b[i].Value, StringComparison.Ordinal))
                return false;
        return true;
    }

    private int IndexOfAdded(string name)
    {
        for (var i = 0; i < _count; i++)
            if (string.Equals(_names[i], name, StringComparison.Ordinal))
                return i;
        return -1;
    }
}
