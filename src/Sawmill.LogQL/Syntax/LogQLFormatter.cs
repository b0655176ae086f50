namespace Sawmill.LogQL.Syntax;

/// <summary>Backs <c>/loki/api/v1/format_query</c>: parses a query and prints it as Loki formats it (<see cref="LogQLPrettifier"/>).</summary>
public static class LogQLFormatter
{
    /// <summary>The formatted text of <paramref name="query"/>; throws <see cref="Syntax.ParseException"/> when it does not parse.</summary>
    public static string Format(string query) => LogQLPrettifier.Prettify(LogQLParser.ParseExpr(query));
}
