namespace Sawmill.LogQL.Syntax;

/// <summary>
/// Root of the LogQL AST. Every node is an immutable record with structural equality; <see cref="ToString"/>
/// prints canonical LogQL (<see cref="LogQLPrinter"/>) which parses back to an equal tree.
/// The two families are <see cref="LogSelectorExpr"/> (log queries) and <see cref="SampleExpr"/> (metric queries).
/// </summary>
public abstract record Expr
{
    public sealed override string ToString() => LogQLPrinter.Print(this);
}
