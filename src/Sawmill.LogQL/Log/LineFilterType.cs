namespace Sawmill.LogQL.Log;

/// <summary>The line filter operators: <c>|=</c>, <c>!=</c>, <c>|~</c>, <c>!~</c>, <c>|&gt;</c>, <c>!&gt;</c>.</summary>
public enum LineFilterType
{
    Contains,
    NotContains,
    Regex,
    NotRegex,
    Pattern,
    NotPattern,
}
