using Sawmill.Core;
using Sawmill.LogQL.Engine;
using Sawmill.LogQL.Syntax;

namespace Sawmill.Server.Api;

/// <summary>
/// Reads the stream selector of the metadata endpoints' <c>match[]</c> and <c>query</c> parameters as Loki's
/// ParseMatchers does: the whole text must be a bare selector; a valid query that is anything else (a pipeline after
/// the selector, a metric query) is refused with <c>only label matchers are supported</c> (Loki 3; 2.9 said "is").
/// Parse errors become 400s with the parser's text.
/// </summary>
public static class SelectorParser
{
    public const string OnlyLabelMatchers = "only label matchers are supported";

    public static List<LabelMatcher> Parse(string text, bool requireNonEmpty = true)
    {
        if (requireNonEmpty)
        {
            Expr expr;
            try
            {
                expr = LogQLParser.ParseExpr(text);
            }
            catch (ParseException e)
            {
                throw new ApiException(400, e.Message);
            }
            return expr is LogSelectorExpr { Stages.Count: 0 } s ? [.. s.Matchers] : throw new ApiException(400, OnlyLabelMatchers);
        }
        LogSelectorExpr selector;
        try
        {
            selector = LogQLParser.ParseLogSelector(text, validate: false);
        }
        catch (ParseException notSelector)
        {
            // Not a log selector: a query of another kind is the "only label matchers" error, anything else keeps
            // its own parse error.
            try
            {
                LogQLParser.ParseExpr(text);
            }
            catch (ParseException)
            {
                throw new ApiException(400, notSelector.Message);
            }
            throw new ApiException(400, OnlyLabelMatchers);
        }
        return selector.Stages.Count > 0 ? throw new ApiException(400, OnlyLabelMatchers) : [.. selector.Matchers];
    }
}
