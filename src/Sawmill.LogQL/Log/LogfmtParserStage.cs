using System.Text;
using System.Text.Unicode;
using Sawmill.Core;

namespace Sawmill.LogQL.Log;

/// <summary>
/// <c>| logfmt [--strict] [--keep-empty] [label="key", key …]</c>. Keys are runs of bytes above space other than
/// <c>=</c> and <c>"</c>; values are bare (up to the next space) or double-quoted with Go escapes. An empty value
/// (<c>key=</c>, <c>key=""</c>, a standalone <c>key</c>) makes a label only with <c>--keep-empty</c>; a key repeated in
/// the line, or already extracted by an earlier parser, keeps its first value (Loki 3). Malformed input
/// is skipped token by token, or with <c>--strict</c> stops the scan with <c>__error__="LogfmtParserErr"</c>.
/// With parameters only the listed keys are extracted (renamed to their labels, missing ones set empty).
/// </summary>
public sealed class LogfmtParserStage : Stage
{
    public const string LogfmtParserError = "LogfmtParserErr";

    private readonly bool _strict;
    private readonly bool _keepEmpty;
    private readonly (string Label, byte[] Key)[] _params;
    private ParserHints _hints = ParserHints.All;

    /// <param name="parameters">Extraction parameters: label name and the logfmt key it reads; empty for all keys.</param>
    public LogfmtParserStage(bool strict = false, bool keepEmpty = false, IReadOnlyList<(string Label, string Key)>? parameters = null)
    {
        _strict = strict;
        _keepEmpty = keepEmpty;
        _params = (parameters ?? []).Select(p =>
        {
            var key = ExtractionExpressions.ParseLogfmtKey(p.Key);
            if (!LabelNames.IsValid(p.Label))
                throw new ArgumentException($"invalid extracted label name '{p.Label}'");
            return (p.Label, Encoding.UTF8.GetBytes(key));
        }).ToArray();
    }

    internal override void SetNeededLabels(IReadOnlySet<string>? needed) => _hints = new ParserHints(needed);

    public override object? CreateStreamState(Labels streamLabels) => new State { Mask = _hints.MaskFor(streamLabels) };

    public override bool Process(EntryState entry, object? streamState, ref ReadOnlySpan<byte> line)
    {
        var st = (State)streamState!;
        var hints = _hints;
        if (_params.Length > 0)
        {
            foreach (var p in _params)
                if (!entry.BaseHas(p.Label) && !entry.MetadataHas(p.Label))
                    entry.Set(LabelCategory.Parsed, p.Label, "");
        }
        ulong found = 0;
        var s = line;
        var i = 0;
        var ordinal = 0;
        while (true)
        {
            while (i < s.Length && s[i] <= ' ')
                i++;
            if (i >= s.Length)
                break;
            var keyStart = i;
            var keyHigh = 0;
            while (i < s.Length && s[i] > ' ' && s[i] != '=' && s[i] != '"')
                keyHigh |= s[i++];
            if (i == keyStart)
            {
                // '=' or '"' where a key should start.
                if (_strict)
                    return Fail(entry, i, s[i]);
                i = SkipToken(s, i);
                continue;
            }
            var key = s[keyStart..i];
            // Only a key with a byte above ASCII can hold invalid UTF-8 (checked without a second pass otherwise).
            if (keyHigh >= 0x80 && InvalidKey(key))
            {
                // Loki: "invalid key"; before '=' the value is skipped, a bare key ends its scan of the line.
                if (_strict)
                    return Fail(entry, i, 0, "invalid key");
                if (i < s.Length && s[i] == '=')
                {
                    i = SkipToken(s, i);
                    continue;
                }
                if (i >= s.Length || s[i] <= ' ')
                    continue;
            }
            ReadOnlySpan<byte> value;
            if (i < s.Length && s[i] == '"')
            {
                if (_strict)
                    return Fail(entry, i, s[i]);
                i = SkipToken(s, i);
                continue;
            }
            if (i >= s.Length || s[i] != '=')
            {
                value = default;
            }
            else
            {
                i++;
                if (i < s.Length && s[i] == '"')
                {
                    var end = QuotedEnd(s, i + 1, out var escaped);
                    if (end < 0)
                    {
                        if (_strict)
                            return Fail(entry, s.Length, 0, "unterminated quoted value");
                        break;
                    }
                    value = s[(i + 1)..end];
                    i = end + 1;
                    if (escaped)
                    {
                        if (!Unquote(value, ref st.Unescape, out var n))
                        {
                            if (_strict)
                                return Fail(entry, i, 0, "invalid quoted value");
                            continue;
                        }
                        value = st.Unescape.AsSpan(0, n);
                    }
                }
                else
                {
                    var vs = i;
                    while (i < s.Length && s[i] > ' ' && s[i] != '"' && s[i] != '=')
                        i++;
                    if (i < s.Length && s[i] is (byte)'"' or (byte)'=')
                    {
                        if (_strict)
                            return Fail(entry, i, s[i]);
                        i = SkipToken(s, i);
                        continue;
                    }
                    value = s[vs..i];
                }
            }
            string? name;
            ulong bit;
            if (entry.HasMetadata)
            {
                // The _extracted suffix then also depends on this entry's metadata: resolved without the caches.
                name = ResolveForEntry(entry, hints, key);
                bit = name == null || hints.ExtractAll ? 0 : hints.BitOf(name);
            }
            else if (!st.Positions.TryGet(ordinal, key, out name, out bit))
            {
                name = Resolve(st, entry, hints, key);
                bit = name == null || hints.ExtractAll ? 0 : hints.BitOf(name);
                st.Positions.Remember(ordinal, key, name, bit);
            }
            ordinal++;
            if (name == null)
                continue;
            if (_params.Length > 0)
            {
                // Loki's logfmt with parameters: the listed keys take every value, the last one stays, empty or not.
                if (!Ascii.IsValid(value) && (!Utf8.IsValid(value) || value.IndexOf("\uFFFD"u8) >= 0))
                    entry.Set(LabelCategory.Parsed, name, "");
                else
                    entry.SetUtf8(LabelCategory.Parsed, name, value);
            }
            else
            {
                // Without --keep-empty an empty value (key=, key="", a bare key) makes no label.
                if (value.IsEmpty && !_keepEmpty)
                    continue;
                // ASCII (the usual case) is valid and free of U+FFFD: one vectorised pass instead of two.
                if (!Ascii.IsValid(value) && (!Utf8.IsValid(value) || value.IndexOf("\uFFFD"u8) >= 0))
                {
                    if (!entry.TrySetParsed(name, ReplaceInvalid(value)))
                        continue;
                }
                else if (!entry.TrySetParsedUtf8(name, value))
                {
                    continue;
                }
            }
            if (!hints.ExtractAll)
            {
                found |= bit;
                if ((found & st.Mask) == st.Mask && st.Mask != 0)
                    break;
            }
        }
        return true;
    }

    private static bool Fail(EntryState entry, int pos, byte c, string? message = null)
    {
        entry.SetError(LogfmtParserError, $"logfmt syntax error at pos {pos + 1} : {message ?? $"unexpected '{(char)c}'"}");
        return true;
    }

    /// <summary>Loki's decoder after a bad byte: the rest of the token, up to the next space or control byte (quotes not special).</summary>
    private static int SkipToken(ReadOnlySpan<byte> s, int i)
    {
        while (i < s.Length && s[i] > ' ')
            i++;
        return i;
    }

    /// <summary>Loki's decoder refuses a key holding invalid UTF-8 (or U+FFFD).</summary>
    private static bool InvalidKey(ReadOnlySpan<byte> key) =>
        !Ascii.IsValid(key) && (!Utf8.IsValid(key) || key.IndexOf("\uFFFD"u8) >= 0);

    private static int QuotedEnd(ReadOnlySpan<byte> s, int i, out bool escaped)
    {
        escaped = false;
        for (; i < s.Length; i++)
        {
            if (s[i] == '\\')
            {
                escaped = true;
                i++;
            }
            else if (s[i] == '"')
                return i;
        }
        return -1;
    }

    /// <summary>Go's <c>strconv.Unquote</c> body escapes (\" \\ \n \t \r \uXXXX …); JSON's set is a superset here.</summary>
    private static bool Unquote(ReadOnlySpan<byte> body, ref byte[] buffer, out int length) => JsonScanner.Unescape(body, ref buffer, out length);

    private string? Resolve(State st, EntryState entry, ParserHints hints, ReadOnlySpan<byte> key)
    {
        if (st.Keys.TryGet(key, out var cached, out var slot))
            return cached;
        string? name;
        if (_params.Length > 0)
        {
            name = null;
            foreach (var p in _params)
            {
                if (key.SequenceEqual(p.Key))
                {
                    name = entry.ParsedName(p.Label);
                    break;
                }
            }
            if (name != null && !hints.ShouldExtract(name))
                name = null;
        }
        else
        {
            var sanitized = LabelNames.Sanitize(Encoding.UTF8.GetString(key));
            if (sanitized.Length == 0)
                name = null;
            else
            {
                sanitized = entry.ParsedName(sanitized);
                name = hints.ShouldExtract(sanitized) ? string.Intern(sanitized) : null;
            }
        }
        st.Keys.Add(slot, key, name);
        return name;
    }

    /// <summary><see cref="Resolve"/> for an entry with structured metadata, whose names cannot be cached per stream.</summary>
    private string? ResolveForEntry(EntryState entry, ParserHints hints, ReadOnlySpan<byte> key)
    {
        string? name = null;
        if (_params.Length > 0)
        {
            foreach (var p in _params)
            {
                if (key.SequenceEqual(p.Key))
                {
                    name = entry.ParsedName(p.Label);
                    break;
                }
            }
        }
        else
        {
            var sanitized = LabelNames.Sanitize(Encoding.UTF8.GetString(key));
            if (sanitized.Length > 0)
                name = entry.ParsedName(sanitized);
        }
        return name != null && hints.ShouldExtract(name) ? name : null;
    }

    /// <summary>Loki 3 keeps a value with invalid UTF-8, each bad byte (and any U+FFFD) turned into a space.</summary>
    private static string ReplaceInvalid(ReadOnlySpan<byte> value)
    {
        var sb = new StringBuilder(value.Length);
        while (!value.IsEmpty)
        {
            var status = Rune.DecodeFromUtf8(value, out var rune, out var consumed);
            if (status != System.Buffers.OperationStatus.Done || rune.Value == 0xFFFD)
                sb.Append(' ');
            else
                sb.Append(rune.ToString());
            value = value[Math.Max(consumed, 1)..];
        }
        return sb.ToString();
    }

    private sealed class State
    {
        public byte[] Unescape = new byte[128];
        public readonly KeyCache Keys = new();
        public readonly KeyPositions Positions = new();
        public ulong Mask;
    }
}
