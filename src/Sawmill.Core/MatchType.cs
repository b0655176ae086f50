namespace Sawmill.Core;

/// <summary>The four label matcher operators of a stream selector.</summary>
public enum MatchType
{
    /// <summary><c>=</c></summary>
    Equal,
    /// <summary><c>!=</c></summary>
    NotEqual,
    /// <summary><c>=~</c> (fully anchored RE2)</summary>
    Regex,
    /// <summary><c>!~</c> (fully anchored RE2)</summary>
    NotRegex,
}
