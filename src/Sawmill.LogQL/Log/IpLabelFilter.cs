namespace Sawmill.LogQL.Log;

/// <summary><c>addr = ip("10.0.0.0/8")</c> or <c>!=</c>: the label's value holds an address inside (none inside) the pattern.</summary>
public sealed class IpLabelFilter(string name, bool negative, IpRange range) : LabelFilter
{
    public string Name { get; } = name;
    public bool Negative { get; } = negative;
    public IpRange Range { get; } = range;

    /// <summary>
    /// Loki's ip label filter: an entry that already has an error passes (only string matchers filter those out); a
    /// missing label fails; otherwise the value is scanned for addresses as a line is.
    /// </summary>
    public override bool Matches(EntryState entry)
    {
        if (entry.Error != null)
            return true;
        var v = entry.Get(Name);
        if (v == null)
            return false;
        return Range.MatchesIn(System.Text.Encoding.UTF8.GetBytes(v)) != Negative;
    }

    public override IReadOnlyCollection<string> ReferencedLabels => [Name];
}
