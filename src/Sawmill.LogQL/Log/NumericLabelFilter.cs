using Sawmill.GoCompat;
using Sawmill.LogQL.Syntax;
namespace Sawmill.LogQL.Log;

/// <summary><c>status &gt;= 500</c>: the label parsed as a Go float. Missing label: no match. Unparsable: kept with LabelFilterErr.</summary>
public sealed class NumericLabelFilter(string name, ComparisonOp op, double value) : LabelFilter
{
    public string Name { get; } = name;
    public ComparisonOp Op { get; } = op;
    public double Value { get; } = value;

    public override bool Matches(EntryState entry)
    {
        var v = entry.Get(Name);
        if (v == null)
            return false;
        if (!GoFloat.TryParse(v, out var d))
        {
            SetConversionError(entry, GoFloat.SyntaxError(v));
            return true;
        }
        return Compare(Op, d, Value);
    }

    public override IReadOnlyCollection<string> ReferencedLabels => [Name];
}
