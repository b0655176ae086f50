namespace Sawmill.Core;

/// <summary>
/// Something every entry a query can keep satisfies, implied by its pipeline rather than stated as a line filter — for
/// example <c>| json | request_id="X"</c> keeps only entries whose line is a JSON object containing <c>X</c> (or an
/// escape that may spell it), or whose structured metadata supplies <c>request_id</c>. The engine derives them from
/// Loki's semantics of its parsers and label filters; storage may skip blocks and drop entries that cannot satisfy one,
/// and must keep every entry that may (it is a necessary condition, never a filter of its own).
/// <para>
/// An entry of a stream satisfies the condition when <see cref="Label"/> is a label of the stream or of the entry's
/// structured metadata (the value may come from there), or when (not <see cref="JsonObject"/> or its line is a JSON
/// object) and (<see cref="Text"/> is null, or its line contains <see cref="Text"/>, or <see cref="EscapesPass"/> and
/// its line contains a backslash). Immutable.
/// </para>
/// </summary>
public sealed record ImpliedCondition
{
    /// <summary>
    /// The label whose value the condition is about, when it may come from a stream label or structured metadata
    /// instead of the line (a parser renames its own key to <c>…_extracted</c> then); null: the condition is about the
    /// line alone.
    /// </summary>
    public string? Label { get; init; }

    /// <summary>The line's first byte after spaces, tabs, CRs and LFs is <c>{</c>.</summary>
    public bool JsonObject { get; init; }

    /// <summary>UTF-8 bytes the line contains; null when the condition says nothing about the text.</summary>
    public byte[]? Text { get; init; }

    /// <summary>
    /// <see cref="Text"/> stands in the line between bytes that are not letters, digits, <c>_</c> or ≥ 0x80 (or the line's
    /// ends): it is a whole value, such as a JSON string or a logfmt value.
    /// </summary>
    public bool TextBounded { get; init; }

    /// <summary>A line with a backslash satisfies the text part (the value may be spelled with escapes).</summary>
    public bool EscapesPass { get; init; }
}
