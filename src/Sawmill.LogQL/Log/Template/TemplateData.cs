using Sawmill.GoCompat;

namespace Sawmill.LogQL.Log;

/// <summary>The data (<c>.</c>) of a log template: the entry's labels as a string map with missingkey=zero.</summary>
internal sealed class TemplateData(EntryState entry) : ITemplateMap
{
    public EntryState Entry { get; } = entry;

    public string? Get(string key) => Entry.Get(key);

    public IEnumerable<KeyValuePair<string, string>> Entries()
    {
        // Label sets are kept sorted by name, which is the order Go ranges over a map in templates.
        foreach (var l in Entry.CurrentLabels().ToArray())
            yield return new(l.Name, l.Value);
    }

    public int Count => Entry.CurrentLabels().Length;
}
