namespace Sawmill.LogQL.Log;

/// <summary>What template functions may read besides their arguments: the entry (for <c>__timestamp__</c>) and the line (for <c>__line__</c>).</summary>
internal sealed class TemplateContext(EntryState entry, string? line)
{
    public EntryState Entry { get; } = entry;
    public string Line { get; } = line ?? "";
}
