namespace Sawmill.LogQL.Log;

/// <summary>Where a label of an entry came from (Loki's categorised labels).</summary>
public enum LabelCategory
{
    /// <summary>The stream's indexed labels.</summary>
    Stream,
    /// <summary>The entry's structured metadata.</summary>
    StructuredMetadata,
    /// <summary>Extracted by a parser or written by <c>label_format</c>.</summary>
    Parsed,
}
