namespace Sawmill.LogQL.Syntax;

/// <summary>Line filter operators: <c>|=</c>, <c>!=</c>, <c>|~</c>, <c>!~</c>, <c>|&gt;</c>, <c>!&gt;</c>.</summary>
public enum LineFilterOp
{
    Contains,
    NotContains,
    Regex,
    NotRegex,
    Pattern,
    NotPattern,
}
