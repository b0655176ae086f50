using Sawmill.Core;

namespace Sawmill.LogQL.Log;

/// <summary>
/// <c>name = "v"</c>, <c>!=</c>, <c>=~</c>, <c>!~</c> (regexes fully anchored RE2). A missing label compares as the
/// empty string; the only filter that can test <c>__error__</c>.
/// </summary>
public sealed class StringLabelFilter(LabelMatcher matcher) : LabelFilter
{
    public StringLabelFilter(MatchType type, string name, string value) : this(LabelMatcher.Create(type, name, value)) { }

    public LabelMatcher Matcher { get; } = matcher;

    public override bool Matches(EntryState entry) => Matcher.Matches(entry.Get(Matcher.Name) ?? "");

    public override IReadOnlyCollection<string> ReferencedLabels => [Matcher.Name];
}
