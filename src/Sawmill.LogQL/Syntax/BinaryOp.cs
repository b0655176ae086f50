namespace Sawmill.LogQL.Syntax;

/// <summary>Binary operators, in LogQL's precedence groups (lowest first): or; and unless; comparisons; + -; * / %; ^ (right-associative).</summary>
public enum BinaryOp
{
    Or,
    And,
    Unless,
    Eq,
    Neq,
    Gt,
    Gte,
    Lt,
    Lte,
    Add,
    Sub,
    Mul,
    Div,
    Mod,
    Pow,
}
