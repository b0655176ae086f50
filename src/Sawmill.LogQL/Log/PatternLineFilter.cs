namespace Sawmill.LogQL.Log;

/// <summary><c>|&gt; "pattern"</c>: lines the pattern matches (<see cref="PatternMatcher.Test"/>).</summary>
internal sealed class PatternLineFilter(PatternMatcher matcher) : LineFilter
{
    public override bool Matches(ReadOnlySpan<byte> line) => matcher.Test(line);
}
