namespace Sawmill.Core;

/// <summary>
/// A predicate on the raw line that the query engine pushes down into storage so that chunks are filtered
/// while they are decoded (and skipped entirely when their token filter proves no line can match).
/// Implementations must be pure and thread-safe: storage may call one instance from several threads.
/// </summary>
public interface ILineFilter
{
    bool Matches(ReadOnlySpan<byte> line);

    /// <summary>
    /// Byte strings that every matching line contains (case-sensitively), or empty when nothing is known.
    /// Storage may skip a chunk whose token filter proves it lacks one of them.
    /// </summary>
    IReadOnlyList<byte[]> RequiredSubstrings { get; }
}
