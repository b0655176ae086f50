namespace Sawmill.LogQL.Log;

/// <summary>Negation of a line filter (<c>!=</c>, <c>!~</c>, <c>!&gt;</c>).</summary>
internal sealed class NotFilter(LineFilter inner) : LineFilter
{
    public LineFilter Inner { get; } = inner;

    public override bool Matches(ReadOnlySpan<byte> line) => !Inner.Matches(line);
}
