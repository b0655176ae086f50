using Sawmill.Core;
using Sawmill.LogQL.Engine;
using Sawmill.LogQL.Syntax;

namespace Sawmill.Server.Api;

/// <summary>
/// Reads the stream selector of the metadata endpoints' <c>match[]</c> and <c>query</c> parameters with the LogQL
/// parser. A pipeline after the selector is accepted and ignored, as Loki does. Parse errors become 400s.
/// </summary>
public static class SelectorParser
{
    public static List<LabelMatcher> Parse(string text, bool requireNonEmpty = true)
    {
        try
        {
            var expr = LogQLParser.ParseLogSelector(text, validate: requireNonEmpty);
            return [.. expr.Matchers];
        }
        catch (ParseException e)
        {
            throw new ApiException(400, e.Message);
        }
    }
}
