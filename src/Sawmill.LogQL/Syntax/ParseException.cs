namespace Sawmill.LogQL.Syntax;

/// <summary>A query that does not parse; message like Loki's <c>parse error at line 1, col 14: syntax error: …</c>.</summary>
public class ParseException(string message, int line = 0, int column = 0) : LogQLException(message)
{
    public int Line { get; } = line;
    public int Column { get; } = column;
}
