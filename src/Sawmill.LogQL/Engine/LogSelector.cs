using Sawmill.Core;
using Sawmill.LogQL.Syntax;

namespace Sawmill.LogQL.Engine;

/// <summary>
/// Parses a log selector with optional line filters (<c>{app="x"} |= "secret"</c>), the form Loki's delete API and
/// retention rules take, into its matchers and one combined line filter. Throws <see cref="ParseException"/> with
/// Loki's wording; stages other than line filters are rejected.
/// </summary>
public static class LogSelector
{
    public static (IReadOnlyList<LabelMatcher> Matchers, ILineFilter? Filter) Parse(string text)
    {
        var expr = LogQLParser.ParseLogSelector(text);
        var filters = new List<Log.LineFilter>();
        foreach (var stage in expr.Stages)
        {
            if (stage is not LineFilterExpr f)
                throw new ParseException("parse error : only line filters (|=, !=, |~, !~) may follow the selector here");
            filters.Add(PipelineCompiler.CompileLineFilter(f));
        }
        return (expr.Matchers, filters.Count == 0 ? null : Log.LineFilter.And(filters));
    }
}
