using System.Text.Unicode;
using Sawmill.Core;

namespace Sawmill.LogQL.Log;

/// <summary>
/// <c>| json first="a[0]", ua="headers[\"User-Agent\"]"</c>: each label gets the value at its path — strings
/// unescaped, numbers and booleans as written, objects and arrays as their JSON text, null or missing as "".
/// A line that does not start like JSON gets <c>__error__="JSONParserErr"</c>.
/// </summary>
public sealed class JsonExtractionParserStage : Stage
{
    private readonly (string Label, JsonPath Path)[] _paths;
    private ParserHints _hints = ParserHints.All;

    /// <exception cref="ArgumentException">A path does not parse or a label name is invalid.</exception>
    public JsonExtractionParserStage(IReadOnlyList<(string Label, string Expression)> parameters)
    {
        if (parameters.Count == 0)
            throw new ArgumentException("no json expression provided");
        _paths = parameters.Select(p =>
        {
            if (!LabelNames.IsValid(p.Label))
                throw new ArgumentException($"invalid extracted label name '{p.Label}'");
            return (p.Label, JsonPath.Parse(p.Expression));
        }).ToArray();
    }

    internal override void SetNeededLabels(IReadOnlySet<string>? needed) => _hints = new ParserHints(needed);

    public override object? CreateStreamState(Labels streamLabels) => new State();

    public override bool Process(EntryState entry, object? streamState, ref ReadOnlySpan<byte> line)
    {
        if (line.IsEmpty || _hints.NoLabels)
            return true;
        var st = (State)streamState!;
        var first = JsonScanner.SkipWhitespace(line, 0);
        if (first >= line.Length || line[first] is not ((byte)'{' or (byte)'[' or (byte)'"'))
        {
            entry.SetError(JsonParserStage.JsonParserError);
            return true;
        }
        foreach (var (label, path) in _paths)
        {
            var name = entry.ParsedName(label);
            if (!_hints.ShouldExtract(name))
                continue;
            var value = "";
            if (!path.TryFind(line, ref st.KeyScratch, out var start, out var end))
            {
                // Loki fills a missing value under the label's own name, unless some label already has that name.
                if (entry.Get(label) == null)
                    entry.Set(LabelCategory.Parsed, label, "");
                continue;
            }
            {
                var v = line[start..end];
                if (v[0] == '"')
                {
                    var body = v[1..^1];
                    if (body.Contains((byte)'\\') && JsonScanner.Unescape(body, ref st.Unescape, out var n))
                        body = st.Unescape.AsSpan(0, n);
                    value = Utf8.IsValid(body) ? entry.Interner.Get(body) : "";
                }
                else if (!v.SequenceEqual("null"u8))
                    value = entry.Interner.Get(v);
            }
            entry.Set(LabelCategory.Parsed, name, value);
        }
        return true;
    }

    private sealed class State
    {
        public byte[] KeyScratch = new byte[64];
        public byte[] Unescape = new byte[128];
    }
}
