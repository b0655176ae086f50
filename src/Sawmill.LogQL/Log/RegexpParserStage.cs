using System.Buffers;
using System.Text;
using System.Text.RegularExpressions;
using Sawmill.Core;
using Sawmill.GoCompat;

namespace Sawmill.LogQL.Log;

/// <summary>
/// <c>| regexp "re"</c>: RE2 (unanchored, <c>(?P&lt;name&gt;…)</c> or <c>(?&lt;name&gt;…)</c>); each named group of
/// the first match becomes a label (a group that did not participate gives an empty value). No match: the entry is
/// kept unchanged.
/// </summary>
public sealed partial class RegexpParserStage : Stage
{
    private readonly Regex _regex;
    private readonly (int Group, string Name)[] _groups;
    private ParserHints _hints = ParserHints.All;

    /// <exception cref="ArgumentException">Invalid regex, no named group, or a group name that is not a label name.</exception>
    public RegexpParserStage(string pattern)
    {
        _regex = Re2.Compile(pattern, anchored: false);
        var groups = new List<(int, string)>();
        // .NET merges groups that share a name; RE2/Loki reject them, so count names in the pattern text.
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (System.Text.RegularExpressions.Match m in GroupName().Matches(pattern))
            if (!seen.Add(m.Groups[1].Value))
                throw new ArgumentException($"duplicate extracted label name '{m.Groups[1].Value}'");
        foreach (var n in _regex.GetGroupNames())
        {
            if (int.TryParse(n, out _))
                continue;
            if (!LabelNames.IsValid(n))
                throw new ArgumentException($"invalid extracted label name '{n}'");
            groups.Add((_regex.GroupNumberFromName(n), n));
        }
        if (groups.Count == 0)
            throw new ArgumentException("at least one named capture must be supplied");
        _groups = groups.ToArray();
    }

    internal override void SetNeededLabels(IReadOnlySet<string>? needed) => _hints = new ParserHints(needed);

    public override bool Process(EntryState entry, object? streamState, ref ReadOnlySpan<byte> line)
    {
        if (_hints.NoLabels)
            return true;
        // Regex runs over UTF-16; one string per matched line is the price of the .NET engine.
        var text = Encoding.UTF8.GetString(line);
        var m = _regex.Match(text);
        if (!m.Success)
            return true;
        foreach (var (group, name) in _groups)
        {
            var label = entry.BaseHas(name) ? name + LabelNames.DuplicateSuffix : name;
            if (!_hints.ShouldExtract(label))
                continue;
            var g = m.Groups[group];
            entry.Set(LabelCategory.Parsed, label, g.Success ? g.Value : "");
        }
        return true;
    }

    [GeneratedRegex(@"(?<!\\)\(\?P?<([^>=!]+)>")]
    private static partial Regex GroupName();
}
