using Sawmill.Core;
using Sawmill.LogQL.Syntax;

namespace Sawmill.LogQL.Log;

/// <summary>
/// A compiled line filter over UTF-8 lines. Immutable and thread-safe, so the engine may push it into storage
/// (<see cref="ILineFilter"/>). Build them with the factory methods, which pick the fastest matcher: vectorised
/// byte search for literals, multi-literal search (case-sensitive or not) for alternations of literals and
/// <c>(?i)literal</c>, the linear-time RE2 engine only for real regexes.
/// </summary>
public abstract class LineFilter : ILineFilter
{
    public abstract bool Matches(ReadOnlySpan<byte> line);

    /// <inheritdoc/>
    public virtual IReadOnlyList<byte[]> RequiredSubstrings => [];

    /// <summary>
    /// <c>op v1 or v2 …</c> as LogQL means it: a positive operator passes when any value matches, a negative one
    /// when none does. Regex values are RE2; pattern values use Loki's pattern syntax.
    /// </summary>
    /// <exception cref="ArgumentException">A regex or pattern is invalid (the message reads like Loki's).</exception>
    public static LineFilter Create(LineFilterOp type, IReadOnlyList<string> values)
    {
        if (values.Count == 0)
            throw new ArgumentException("a line filter needs at least one value");
        var negative = type is LineFilterOp.NotContains or LineFilterOp.NotRegex or LineFilterOp.NotPattern;
        var positive = type switch
        {
            LineFilterOp.Contains or LineFilterOp.NotContains => LineFilterKind.Contains,
            LineFilterOp.Regex or LineFilterOp.NotRegex => LineFilterKind.Regex,
            _ => LineFilterKind.Pattern,
        };
        LineFilter f;
        if (values.Count == 1)
            f = CreatePositive(positive, values[0]);
        else if (positive == LineFilterKind.Contains)
            f = LiteralsFilter.Create(values.ToArray(), ignoreCase: false);
        else
            f = new OrFilter(values.Select(v => CreatePositive(positive, v)).ToArray());
        return negative ? Not(f) : f;
    }

    /// <summary>A single-value filter.</summary>
    public static LineFilter Create(LineFilterOp type, string value) => Create(type, [value]);

    /// <summary><c>|= ip("…")</c> / <c>!= ip("…")</c>: lines containing an IP address inside the pattern (address, CIDR or range).</summary>
    /// <exception cref="ArgumentException">The pattern is not a valid address, CIDR or range.</exception>
    public static LineFilter Ip(bool negative, string pattern)
    {
        var f = new IpLineFilter(IpRange.Parse(pattern));
        return negative ? Not(f) : f;
    }

    public static LineFilter Not(LineFilter filter) => filter is NotFilter n ? n.Inner : new NotFilter(filter);

    public static LineFilter And(IReadOnlyList<LineFilter> filters) => filters.Count == 1 ? filters[0] : new AndFilter(filters.ToArray());

    public static LineFilter Or(IReadOnlyList<LineFilter> filters) => filters.Count == 1 ? filters[0] : new OrFilter(filters.ToArray());

    private enum LineFilterKind
    {
        Contains,
        Regex,
        Pattern,
    }

    private static LineFilter CreatePositive(LineFilterKind kind, string value) => kind switch
    {
        LineFilterKind.Contains => LiteralsFilter.Create([value], ignoreCase: false),
        LineFilterKind.Regex => RegexLineFilter.Create(value),
        _ => new PatternLineFilter(PatternMatcher.Parse(value)),
    };
}
