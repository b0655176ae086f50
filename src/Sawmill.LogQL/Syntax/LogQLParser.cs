using Sawmill.Core;

namespace Sawmill.LogQL.Syntax;

/// <summary>
/// Public entry points of the LogQL front end. All methods are thread-safe and throw <see cref="ParseException"/>
/// whose message is Loki's text (<c>parse error at line 1, col 14: syntax error: unexpected …</c>).
/// </summary>
public static class LogQLParser
{
    /// <summary>The error Loki gives when no matcher selects specific streams.</summary>
    public const string ErrAtLeastOneEqualityMatcher =
        "queries require at least one regexp or equality matcher that does not have an empty-compatible value. For instance, app=~\".*\" does not meet this requirement, but app=~\".+\" will";

    /// <summary>Parses and validates a whole query (log or metric).</summary>
    public static Expr ParseExpr(string query)
    {
        var expr = new Parser(query).ParseQuery();
        Validate(expr);
        return expr;
    }

    /// <summary>Parses a metric query; a log query is an error (<c>only sample expression supported</c>).</summary>
    public static SampleExpr ParseSampleExpr(string query) =>
        ParseExpr(query) as SampleExpr ?? throw new ParseException("only sample expression supported");

    /// <summary>
    /// Parses a bare stream selector <c>{a="b", c=~"d"}</c> into its matchers (no pipeline allowed). Not validated
    /// for the empty-matcher rule: callers such as the series API or an agent's match stage decide.
    /// </summary>
    public static IReadOnlyList<LabelMatcher> ParseSelector(string selector) => new Parser(selector).ParseMatchersOnly();

    /// <summary>Parses a log selector with optional pipeline (<c>{app="x"} |= "y" | json</c>), as Loki's ParseLogSelector.</summary>
    public static LogSelectorExpr ParseLogSelector(string query, bool validate = true)
    {
        var e = new Parser(query).ParseLogSelectorOnly();
        if (validate)
            ValidateMatchers(e.Matchers);
        return e;
    }

    /// <summary>Loki's rule: at least one matcher must not match the empty string.</summary>
    public static void ValidateMatchers(IReadOnlyList<LabelMatcher> matchers)
    {
        foreach (var m in matchers)
            if (!m.MatchesEmpty)
                return;
        throw Parser.Plain(ErrAtLeastOneEqualityMatcher);
    }

    private static void Validate(Expr expr)
    {
        switch (expr)
        {
            case LogSelectorExpr l:
                ValidateMatchers(l.Matchers);
                break;
            case RangeAggregationExpr r:
                ValidateMatchers(r.Range.Selector.Matchers);
                break;
            case VectorAggregationExpr v:
                Validate(v.Inner);
                break;
            case BinaryExpr b:
                Validate(b.Left);
                Validate(b.Right);
                break;
            case LabelReplaceExpr lr:
                Validate(lr.Inner);
                break;
        }
    }
}
