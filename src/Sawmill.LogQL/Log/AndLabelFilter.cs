namespace Sawmill.LogQL.Log;

/// <summary><c>a and b</c>, <c>a, b</c> or <c>a b</c>: both must pass (both are evaluated only when the left passes).</summary>
public sealed class AndLabelFilter(LabelFilter left, LabelFilter right) : LabelFilter
{
    public LabelFilter Left { get; } = left;
    public LabelFilter Right { get; } = right;

    public override bool Matches(EntryState entry) => Left.Matches(entry) && Right.Matches(entry);

    public override IReadOnlyCollection<string> ReferencedLabels => [.. Left.ReferencedLabels, .. Right.ReferencedLabels];
}
