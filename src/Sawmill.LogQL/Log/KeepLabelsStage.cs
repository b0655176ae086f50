using Sawmill.Core;

namespace Sawmill.LogQL.Log;

/// <summary>
/// <c>| keep a, b, c="v"</c>: keeps only the named labels and the labels whose value matches a matcher with their
/// name; every other label (stream labels included) is removed. The error labels are not affected.
/// </summary>
public sealed class KeepLabelsStage(IReadOnlyList<string> names, IReadOnlyList<LabelMatcher> matchers) : Stage
{
    private readonly HashSet<string> _names = new(names, StringComparer.Ordinal);
    private readonly LabelMatcher[] _matchers = matchers.ToArray();

    public override bool Process(EntryState entry, object? streamState, ref ReadOnlySpan<byte> line)
    {
        var current = entry.CurrentLabels();
        // Decide first, delete after: deleting changes the snapshot buffer.
        Span<bool> drop = current.Length <= 256 ? stackalloc bool[current.Length] : new bool[current.Length];
        var any = false;
        for (var i = 0; i < current.Length; i++)
        {
            drop[i] = !Keeps(current[i]);
            any |= drop[i];
        }
        if (!any)
            return true;
        var toDrop = new string[current.Length];
        var n = 0;
        for (var i = 0; i < current.Length; i++)
            if (drop[i])
                toDrop[n++] = current[i].Name;
        for (var i = 0; i < n; i++)
            entry.Delete(toDrop[i]);
        return true;
    }

    private bool Keeps(Label l)
    {
        if (_names.Contains(l.Name))
            return true;
        foreach (var m in _matchers)
            if (m.Name == l.Name && m.Matches(l.Value))
                return true;
        return false;
    }

    public override IReadOnlyCollection<string>? ReferencedLabels => [.. _names, .. _matchers.Select(m => m.Name)];
}
