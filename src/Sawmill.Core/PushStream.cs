namespace Sawmill.Core;

/// <summary>One stream of a push request: its labels and its entries, in the order received.</summary>
public sealed class PushStream(Labels labels, List<PushEntry> entries)
{
    public Labels Labels { get; } = labels;
    public List<PushEntry> Entries { get; } = entries;
}
