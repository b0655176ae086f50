namespace Sawmill.LogQL.Log;

/// <summary>A label filter expression as a pipeline stage: drops entries it does not pass.</summary>
public sealed class LabelFilterStage(LabelFilter filter) : Stage
{
    public LabelFilter Filter { get; } = filter;

    public override bool Process(EntryState entry, object? streamState, ref ReadOnlySpan<byte> line) => Filter.Matches(entry);

    public override IReadOnlyCollection<string>? ReferencedLabels => Filter.ReferencedLabels;
}
