namespace Sawmill.Core;

/// <summary>
/// Which parts of each entry a reader needs. Storage keeps timestamps and line lengths apart from the
/// compressed lines, so a query that needs only <see cref="Timestamps"/> (count_over_time, rate) or
/// lengths (bytes_over_time) never decompresses a line.
/// </summary>
[Flags]
public enum EntryFields
{
    Timestamps = 0,
    LineLengths = 1,
    Lines = 2 | LineLengths,
    Metadata = 4,
    All = Lines | Metadata,
}
