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
        // Loki reads the label with Go's time.ParseDuration (no d/w/y), with its error text.
        if (GoDuration.GoParseError(v, out var ns) is { } error)
        {
            SetConversionError(entry, error);
            return true;
        }
        return Compare(Op, ns, Nanoseconds);
    }

    public override IReadOnlyCollection<string> ReferencedLabels => [Name];
}
