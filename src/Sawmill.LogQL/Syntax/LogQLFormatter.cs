namespace Sawmill.LogQL.Syntax;

/// <summary>Backs <c>/loki/api/v1/format_query</c>: parses a query and prints its canonical form.</summary>
public static class LogQLFormatter
{
    /// <summary>The canonical text of <paramref name="query"/>; throws <see cref="Syntax.ParseException"/> when it does not parse.</summary>
    public static string Format(string query) => LogQLParser.ParseExpr(query).ToString();
}
