using Sawmill.LogQL.Syntax;
namespace Sawmill.LogQL.Log;

/// <summary>
/// A label filter expression: a tree of <see cref="AndLabelFilter"/>/<see cref="OrLabelFilter"/> over string,
/// numeric, duration, bytes and ip comparisons. Immutable and thread-safe. Conversions that fail keep the entry and
/// set <c>__error__="LabelFilterErr"</c> (unless an error is already set) — Loki's semantics, so that
/// <c>__error__=""</c> can drop them.
/// </summary>
public abstract class LabelFilter
{
    public const string LabelFilterError = "LabelFilterErr";

    public abstract bool Matches(EntryState entry);

    /// <summary>Label names the filter reads.</summary>
    public abstract IReadOnlyCollection<string> ReferencedLabels { get; }

    public static LabelFilter And(LabelFilter left, LabelFilter right) => new AndLabelFilter(left, right);

    public static LabelFilter Or(LabelFilter left, LabelFilter right) => new OrLabelFilter(left, right);

    internal static bool Compare(ComparisonOp op, double a, double b) => op switch
    {
        ComparisonOp.Eq => a == b,
        ComparisonOp.Neq => a != b,
        ComparisonOp.Gt => a > b,
        ComparisonOp.Gte => a >= b,
        ComparisonOp.Lt => a < b,
        _ => a <= b,
    };

    internal static void SetConversionError(EntryState entry, string details)
    {
        // Don't overwrite what might be a more useful error (a parser's).
        if (!entry.HasError)
            entry.SetError(LabelFilterError, details);
    }
}
