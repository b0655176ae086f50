using Sawmill.LogQL.Syntax;

namespace Sawmill.LogQL.Syntax;

/// <summary>Binary operator arithmetic on two values, with Loki's rules (x/0 and x%0 are NaN).</summary>
internal static class ScalarMath
{
    /// <summary>
    /// Applies <paramref name="op"/>. For comparisons returns 1 or 0 when <paramref name="returnBool"/>, otherwise
    /// the left value when true and NaN when false (callers treat NaN as "drop" via <see cref="Compare"/>).
    /// </summary>
    public static double Apply(BinaryOp op, double l, double r, bool returnBool)
    {
        switch (op)
        {
            case BinaryOp.Add: return l + r;
            case BinaryOp.Sub: return l - r;
            case BinaryOp.Mul: return l * r;
            case BinaryOp.Div: return r == 0 ? double.NaN : l / r;
            case BinaryOp.Mod: return r == 0 ? double.NaN : l % r;
            case BinaryOp.Pow: return Math.Pow(l, r);
            default:
                var c = Compare(op, l, r);
                return returnBool ? (c ? 1 : 0) : (c ? l : double.NaN);
        }
    }

    public static bool Compare(BinaryOp op, double l, double r) => op switch
    {
        BinaryOp.Eq => l == r,
        BinaryOp.Neq => l != r,
        BinaryOp.Gt => l > r,
        BinaryOp.Gte => l >= r,
        BinaryOp.Lt => l < r,
        BinaryOp.Lte => l <= r,
        _ => false,
    };
}
