namespace Sawmill.LogQL.Log;

/// <summary>Comparison of numeric, duration and bytes label filters (<c>==</c> and <c>=</c> are both <see cref="Equal"/>).</summary>
public enum LabelComparison
{
    Equal,
    NotEqual,
    Greater,
    GreaterOrEqual,
    Less,
    LessOrEqual,
}
