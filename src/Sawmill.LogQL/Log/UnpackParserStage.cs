using System.Text;
using Sawmill.Core;

namespace Sawmill.LogQL.Log;

/// <summary>
/// <c>| unpack</c>: the line is a JSON object written by Promtail's <c>pack</c> stage; when it has a string
/// <c>_entry</c> field, that field replaces the line and every other top-level string field becomes a label
/// (sanitised, <c>_extracted</c> on clashes). An object without <c>_entry</c> passes through untouched, as in Loki.
/// Other value types are ignored. Malformed JSON keeps the entry with <c>__error__="JSONParserErr"</c>.
/// </summary>
public sealed class UnpackParserStage : Stage
{
    private ParserHints _hints = ParserHints.All;

    internal override void SetNeededLabels(IReadOnlySet<string>? needed) => _hints = new ParserHints(needed);

    public override object? CreateStreamState(Labels streamLabels) => new State();

    public override bool Process(EntryState entry, object? streamState, ref ReadOnlySpan<byte> line)
    {
        if (line.IsEmpty)
            return true;
        var st = (State)streamState!;
        st.Pending.Clear();
        var s = line;
        // Like Loki, the line must start with '{' itself (no leading space).
        if (s[0] != '{')
        {
            entry.SetError(JsonParserStage.JsonParserError, "expecting json object(6), but it is not");
            return true;
        }
        var i = JsonScanner.SkipWhitespace(s, 1);
        var newLineStart = -1;
        var newLineEnd = -1;
        var newLineEscaped = false;
        if (i < s.Length && s[i] == '}')
            return true;
        while (true)
        {
            if (i >= s.Length || s[i] != '"')
                return Fail(entry);
            var keyEnd = JsonScanner.StringEnd(s, i + 1, out _);
            if (keyEnd < 0)
                return Fail(entry);
            var key = s[(i + 1)..keyEnd];
            i = JsonScanner.SkipWhitespace(s, keyEnd + 1);
            if (i >= s.Length || s[i] != ':')
                return Fail(entry);
            i = JsonScanner.SkipWhitespace(s, i + 1);
            var end = JsonScanner.SkipValue(s, i);
            if (end < 0)
                return Fail(entry);
            if (s[i] == '"')
            {
                var body = s[(i + 1)..(end - 1)];
                if (key.SequenceEqual("_entry"u8))
                {
                    newLineStart = i + 1;
                    newLineEnd = end - 1;
                    newLineEscaped = body.Contains((byte)'\\');
                }
                else
                {
                    var name = Resolve(st, entry, key);
                    if (name != null)
                    {
                        var value = body;
                        if (body.Contains((byte)'\\'))
                        {
                            if (!JsonScanner.Unescape(body, ref st.Unescape, out var n))
                                return Fail(entry);
                            value = st.Unescape.AsSpan(0, n);
                        }
                        // Kept aside: the labels count only if the object turns out to be a packed entry.
                        st.Pending.Add((name, entry.Interner.Get(value)));
                    }
                }
            }
            i = JsonScanner.SkipWhitespace(s, end);
            if (i >= s.Length)
                return Fail(entry);
            if (s[i] == '}')
                break;
            if (s[i] != ',')
                return Fail(entry);
            i = JsonScanner.SkipWhitespace(s, i + 1);
        }
        if (newLineStart >= 0)
        {
            foreach (var (name, value) in st.Pending)
                entry.TrySetParsed(name, value);
            var body = s[newLineStart..newLineEnd];
            var buffer = entry.RentLineBuffer(body.Length);
            if (newLineEscaped)
            {
                if (!JsonScanner.Unescape(body, ref buffer, out var n))
                    return Fail(entry);
                line = buffer.AsSpan(0, n);
            }
            else
            {
                body.CopyTo(buffer);
                line = buffer.AsSpan(0, body.Length);
            }
        }
        return true;
    }

    private string? Resolve(State st, EntryState entry, ReadOnlySpan<byte> key)
    {
        if (entry.HasMetadata)
        {
            // The _extracted suffix then also depends on this entry's metadata: not cached.
            var plain = LabelNames.Sanitize(Encoding.UTF8.GetString(key));
            if (plain.Length == 0)
                return null;
            var named = entry.ParsedName(plain);
            return _hints.ShouldExtract(named) ? named : null;
        }
        if (st.Keys.TryGet(key, out var cached, out var slot))
            return cached;
        var name = LabelNames.Sanitize(Encoding.UTF8.GetString(key));
        if (name.Length == 0)
            name = null;
        else
        {
            name = entry.ParsedName(name);
            if (!_hints.ShouldExtract(name))
                name = null;
        }
        st.Keys.Add(slot, key, name);
        return name;
    }

    private static bool Fail(EntryState entry)
    {
        entry.SetError(JsonParserStage.JsonParserError, "Value looks like object, but can't find closing '}' symbol");
        return true;
    }

    private sealed class State
    {
        public readonly List<(string Name, string Value)> Pending = [];
        public byte[] Unescape = new byte[128];
        public readonly KeyCache Keys = new();
    }
}
