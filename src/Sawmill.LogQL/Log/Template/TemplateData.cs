namespace Sawmill.LogQL.Log;

/// <summary>The data (<c>.</c>) of a log template: the entry's labels as a string map with missingkey=zero.</summary>
internal sealed class TemplateData(EntryState entry)
{
    public EntryState Entry { get; } = entry;
}
