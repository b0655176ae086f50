using Sawmill.Core;
using Sawmill.LogQL.Syntax;

namespace Sawmill.LogQL.Log;

/// <summary><c>size &gt; 20MB</c>: the label parsed as a humanized byte size. Missing label: no match. Unparsable: kept with LabelFilterErr.</summary>
public sealed class BytesLabelFilter(string name, ComparisonOp op, double bytes) : LabelFilter
{
    public string Name { get; } = name;
    public ComparisonOp Op { get; } = op;
    public double Bytes { get; } = bytes;

    public override bool Matches(EntryState entry)
    {
        var v = entry.Get(Name);
        if (v == null)
            return false;
        if (!ByteSize.TryParse(v, out var b))
        {
            SetConversionError(entry, $"unhandled size name: {v}");
            return true;
        }
        // humanize.ParseBytes yields whole bytes.
        return Compare(Op, Math.Floor(b), Math.Floor(Bytes));
    }

    public override IReadOnlyCollection<string> ReferencedLabels => [Name];
}
