using Sawmill.Core;

namespace Sawmill.LogQL.Log;

/// <summary>
/// <c>| pattern "&lt;ip&gt; - - &lt;_&gt; \"&lt;method&gt; &lt;path&gt; &lt;_&gt;\" &lt;status&gt; &lt;_&gt;"</c>: named captures become labels
/// (see <see cref="PatternMatcher.Match"/> for the partial-match rules).
/// </summary>
public sealed class PatternParserStage : Stage
{
    private readonly PatternMatcher _matcher;
    private ParserHints _hints = ParserHints.All;

    /// <exception cref="ArgumentException">Invalid pattern or no named capture.</exception>
    public PatternParserStage(string pattern)
    {
        _matcher = PatternMatcher.Parse(pattern, requireCapture: true);
        foreach (var n in _matcher.Names)
            if (!LabelNames.IsValid(n))
                throw new ArgumentException($"invalid capture label name '{n}'");
    }

    internal override void SetNeededLabels(IReadOnlySet<string>? needed) => _hints = new ParserHints(needed);

    public override bool Process(EntryState entry, object? streamState, ref ReadOnlySpan<byte> line)
    {
        if (_hints.NoLabels)
            return true;
        var names = _matcher.Names;
        Span<int> starts = stackalloc int[names.Length];
        Span<int> lengths = stackalloc int[names.Length];
        var n = _matcher.Match(line, starts, lengths);
        for (var i = 0; i < n; i++)
        {
            var name = entry.ParsedName(names[i]);
            if (!_hints.ShouldExtract(name))
                continue;
            entry.TrySetParsed(name, entry.Interner.Get(line.Slice(starts[i], lengths[i])));
        }
        return true;
    }
}
