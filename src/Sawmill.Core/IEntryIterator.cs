namespace Sawmill.Core;

/// <summary>
/// A pull iterator over the entries of one stream, in the requested direction, timestamps within the
/// requested range. Call <see cref="Next"/> before reading; the span returned by <see cref="Line"/> and the
/// list from <see cref="Metadata"/> are valid only until the next call to <see cref="Next"/> or
/// <see cref="Dispose"/> (the iterator reuses its buffers). Not thread-safe: one consumer at a time.
/// </summary>
public interface IEntryIterator : IDisposable
{
    /// <summary>The stream's labels (constant for the iterator's life).</summary>
    Labels Labels { get; }

    /// <summary>Advances to the next entry; false at the end. Throws <see cref="StorageCorruptionException"/> on bad data.</summary>
    bool Next();

    long TimestampNs { get; }

    /// <summary>The UTF-8 line; empty unless <see cref="EntryFields.Lines"/> was requested.</summary>
    ReadOnlySpan<byte> Line { get; }

    /// <summary>The line's length in bytes (available whenever <see cref="EntryFields.LineLengths"/> was requested).</summary>
    int LineLength { get; }

    /// <summary>Structured metadata of the entry; empty unless <see cref="EntryFields.Metadata"/> was requested.</summary>
    ReadOnlySpan<Label> Metadata { get; }
}
