using Sawmill.Core;
using Sawmill.LogQL.Engine;

namespace Sawmill.LogQL.Subset;

/// <summary>
/// Parses a log selector with optional line filters (<c>{app="x"} |= "secret"</c>), the form Loki's delete API and
/// retention rules take. Throws <see cref="ParseException"/> with Loki's wording.
/// </summary>
public static class LogSelector
{
    public static (IReadOnlyList<LabelMatcher> Matchers, ILineFilter? Filter) Parse(string text)
    {
        var expr = SubsetParser.Parse(text);
        if (expr is not LogExpr log)
            throw new ParseException("parse error : a log selector such as {app=\"x\"} |= \"text\" is expected here, not a metric query");
        return (log.Matchers, log.Filters.Count > 0 ? new SubsetLineFilter(log.Filters) : null);
    }
}
