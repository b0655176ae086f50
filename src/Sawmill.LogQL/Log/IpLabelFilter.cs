namespace Sawmill.LogQL.Log;

/// <summary><c>addr = ip("10.0.0.0/8")</c> or <c>!=</c>: the label's value is an address inside (outside) the range. A missing label never matches.</summary>
public sealed class IpLabelFilter(string name, bool negative, IpRange range) : LabelFilter
{
    public string Name { get; } = name;
    public bool Negative { get; } = negative;
    public IpRange Range { get; } = range;

    public override bool Matches(EntryState entry)
    {
        var v = entry.Get(Name);
        if (v == null)
            return false;
        return Range.Contains(v.AsSpan().Trim()) != Negative;
    }

    public override IReadOnlyCollection<string> ReferencedLabels => [Name];
}
