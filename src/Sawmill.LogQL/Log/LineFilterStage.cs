namespace Sawmill.LogQL.Log;

/// <summary>A line filter as a pipeline stage: drops entries whose current line does not match.</summary>
public sealed class LineFilterStage(LineFilter filter) : Stage
{
    public LineFilter Filter { get; } = filter;

    public override bool Process(EntryState entry, object? streamState, ref ReadOnlySpan<byte> line) => Filter.Matches(line);
}
