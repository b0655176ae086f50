using Sawmill.Core;

namespace Sawmill.Storage.Head;

/// <summary>Iterates a snapshot of one in-memory stream in either direction, applying the pushed-down line filter.</summary>
internal sealed class HeadIterator(Labels labels, HeadEntry[] entries, Direction direction, EntryFields fields, ILineFilter? filter, QueryStatistics stats)
    : IEntryIterator
{
    private int _index = direction == Direction.Forward ? -1 : entries.Length;
    private HeadEntry _current;

    public Labels Labels { get; } = labels;

    public bool Next()
    {
        while (true)
        {
            _index += direction == Direction.Forward ? 1 : -1;
            if (_index < 0 || _index >= entries.Length)
                return false;
            var e = entries[_index];
            stats.AddHead(e.Line.Length, 1);
            if (filter != null && !filter.Matches(e.Line))
                continue;
            _current = e;
            return true;
        }
    }

    public long TimestampNs => _current.TimestampNs;

    public ReadOnlySpan<byte> Line => (fields & EntryFields.Lines) == EntryFields.Lines ? _current.Line : default;

    public int LineLength => _current.Line.Length;

    public ReadOnlySpan<Label> Metadata => (fields & EntryFields.Metadata) != 0 && _current.Metadata != null ? _current.Metadata : default;

    public void Dispose()
    {
    }
}
