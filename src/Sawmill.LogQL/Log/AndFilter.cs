namespace Sawmill.LogQL.Log;

/// <summary>A chain of line filters that all must match; its required substrings are the union of theirs.</summary>
internal sealed class AndFilter : LineFilter
{
    private readonly LineFilter[] _filters;
    private readonly byte[][] _required;

    public AndFilter(LineFilter[] filters)
    {
        _filters = filters;
        _required = filters.SelectMany(f => f.RequiredSubstrings).ToArray();
    }

    public override IReadOnlyList<byte[]> RequiredSubstrings => _required;

    public override bool Matches(ReadOnlySpan<byte> line)
    {
        foreach (var f in _filters)
            if (!f.Matches(line))
                return false;
        return true;
    }
}
