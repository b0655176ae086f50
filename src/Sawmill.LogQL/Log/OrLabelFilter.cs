namespace Sawmill.LogQL.Log;

/// <summary><c>a or b</c>: either passes (the right is evaluated only when the left fails).</summary>
public sealed class OrLabelFilter(LabelFilter left, LabelFilter right) : LabelFilter
{
    public LabelFilter Left { get; } = left;
    public LabelFilter Right { get; } = right;

    public override bool Matches(EntryState entry) => Left.Matches(entry) || Right.Matches(entry);

    public override IReadOnlyCollection<string> ReferencedLabels => [.. Left.ReferencedLabels, .. Right.ReferencedLabels];
}
