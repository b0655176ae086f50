using Sawmill.Core;

namespace Sawmill.LogQL.Log;

/// <summary>
/// <c>| drop a, b, c="v", d=~"re"</c>: removes the named labels, and the labels whose value matches a matcher.
/// Dropping <c>__error__</c>/<c>__error_details__</c> clears the error.
/// </summary>
public sealed class DropLabelsStage(IReadOnlyList<string> names, IReadOnlyList<LabelMatcher> matchers) : Stage
{
    private readonly string[] _names = names.ToArray();
    private readonly LabelMatcher[] _matchers = matchers.ToArray();

    public override bool Process(EntryState entry, object? streamState, ref ReadOnlySpan<byte> line)
    {
        foreach (var n in _names)
            entry.Delete(n);
        foreach (var m in _matchers)
        {
            var v = entry.Get(m.Name);
            if (v != null && m.Matches(v))
                entry.Delete(m.Name);
        }
        return true;
    }

    public override IReadOnlyCollection<string>? ReferencedLabels => _matchers.Select(m => m.Name).ToArray();
}
