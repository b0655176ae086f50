namespace Sawmill.LogQL.Log;

/// <summary>Any of several line filters (<c>|~ "a" or "b"</c>). Knows no required substrings.</summary>
internal sealed class OrFilter(LineFilter[] filters) : LineFilter
{
    public override bool Matches(ReadOnlySpan<byte> line)
    {
        foreach (var f in filters)
            if (f.Matches(line))
                return true;
        return false;
    }
}
