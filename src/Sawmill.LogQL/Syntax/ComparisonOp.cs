namespace Sawmill.LogQL.Syntax;

/// <summary>Comparison of a numeric/duration/bytes label filter. <c>=</c> and <c>==</c> are both <see cref="Eq"/>.</summary>
public enum ComparisonOp
{
    Eq,
    Neq,
    Gt,
    Gte,
    Lt,
    Lte,
}
