using Sawmill.Core;
using Sawmill.GoCompat;
using Sawmill.LogQL.Syntax;

namespace Sawmill.LogQL.Log;

/// <summary><c>latency &gt; 250ms</c>: the label parsed as a Go duration. Missing label: no match. Unparsable: kept with LabelFilterErr.</summary>
public sealed class DurationLabelFilter(string name, ComparisonOp op, long nanoseconds) : LabelFilter
{
    public string Name { get; } = name;
    public ComparisonOp Op { get; } = op;
    public long Nanoseconds { get; } = nanoseconds;

    public override bool Matches(EntryState entry)
    {
        var v = entry.Get(Name);
        if (v == null)
            return false;
        if (!GoDuration.TryParse(v, out var ns))
        {
            SetConversionError(entry, $"time: invalid duration {GoQuote.Quote(v)}");
            return true;
        }
        return Compare(Op, ns, Nanoseconds);
    }

    public override IReadOnlyCollection<string> ReferencedLabels => [Name];
}
