namespace Sawmill.LogQL.Log;

/// <summary><c>|= ip("…")</c>: lines with an address in the pattern, found as Loki scans (<see cref="IpRange.MatchesIn"/>).</summary>
internal sealed class IpLineFilter(IpRange range) : LineFilter
{
    public override bool Matches(ReadOnlySpan<byte> line) => range.MatchesIn(line);
}
