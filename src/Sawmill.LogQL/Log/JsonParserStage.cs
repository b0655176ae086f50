using System.Text;
using System.Text.Unicode;
using Sawmill.Core;

namespace Sawmill.LogQL.Log;

/// <summary>
/// <c>| json</c> without parameters: every string, number and boolean field becomes a label; nested objects are
/// flattened with <c>_</c> (<c>{"a":{"b":1}}</c> → <c>a_b="1"</c>); arrays and nulls are skipped; keys are sanitised
/// and get <c>_extracted</c> when a stream label has the name. Malformed JSON keeps the entry (and the fields read
/// so far) with <c>__error__="JSONParserErr"</c>. With needed-label hints it extracts only those and stops once it
/// has them all.
/// </summary>
public sealed class JsonParserStage : Stage
{
    public const string JsonParserError = "JSONParserErr";
    private const int MaxDepth = 64;

    private ParserHints _hints = ParserHints.All;

    internal override void SetNeededLabels(IReadOnlySet<string>? needed) => _hints = new ParserHints(needed);

    public override object? CreateStreamState(Labels streamLabels) => new State { Mask = _hints.MaskFor(streamLabels) };

    public override bool Process(EntryState entry, object? streamState, ref ReadOnlySpan<byte> line)
    {
        var st = (State)streamState!;
        st.Entry = entry;
        st.Found = 0;
        var hints = _hints;
        var s = line;
        var i = JsonScanner.SkipWhitespace(s, 0);
        if (i >= s.Length || s[i] != '{')
        {
            entry.SetError(JsonParserError, Message(MalformedObject));
            return true;
        }
        st.Quotes.Reset(s.Length);
        st.Ordinal = 0;
        var r = ParseObject(st, hints, s, i, 0, 0, s.Length);
        if (r < 0 && r != Done)
            entry.SetError(JsonParserError, Message(r));
        return true;
    }

    // ParseObject's results below zero: all needed labels found, or the error buger/jsonparser's ObjectEach (which
    // Loki's json parser uses) reports for the same input.
    private const int Done = -2;
    private const int MalformedObject = -3;
    private const int MalformedJson = -4;
    private const int MalformedArray = -5;
    private const int MalformedString = -6;
    private const int UnknownValueType = -7;
    private const int MalformedStringEscape = -8;

    private static string Message(int code) => code switch
    {
        MalformedJson => "Malformed JSON error",
        MalformedArray => "Value is array, but can't find closing ']' symbol",
        MalformedString => "Value is string, but can't find closing '\"' symbol",
        UnknownValueType => "Unknown value type",
        MalformedStringEscape => "Encountered an invalid escape sequence in a string",
        _ => "Value looks like object, but can't find closing '}' symbol",
    };

    /// <summary>
    /// Parses the object at <paramref name="i"/> ('{') the way jsonparser's ObjectEach walks it (a trailing comma
    /// before '}' is accepted, what follows the object is ignored, a value's extent is found as its Get finds it);
    /// returns the index after it, <see cref="Done"/> (all needed found) or an error code.
    /// </summary>
    private int ParseObject(State st, ParserHints hints, ReadOnlySpan<byte> line, int i, int prefixLength, int depth, int limit)
    {
        // The object ends at most at limit (a nested one within the extent its parent found); the quote index is over
        // the whole line, so string ends are looked up there and must fall inside.
        var s = line[..limit];
        i = JsonScanner.SkipWhitespace(s, i + 1);
        if (i >= s.Length)
            return MalformedJson;
        while (true)
        {
            if (s[i] == '}')
                return i + 1;
            if (s[i] != '"')
                return MalformedObject;
            var keyEnd = st.Quotes.StringEnd(line, i + 1, out var keyEscaped);
            if (keyEnd < 0 || keyEnd >= limit)
                return MalformedJson;
            var rawKey = s[(i + 1)..keyEnd];
            var ordinal = depth == 0 ? st.Ordinal++ : -1;
            if (keyEscaped)
            {
                if (!JsonScanner.Unescape(rawKey, ref st.KeyUnescape, out var kl))
                    return MalformedStringEscape;
                rawKey = st.KeyUnescape.AsSpan(0, kl);
            }
            i = JsonScanner.SkipWhitespace(s, keyEnd + 1);
            if (i >= s.Length || s[i] != ':')
                return MalformedJson;
            i = JsonScanner.SkipWhitespace(s, i + 1);
            if (i >= s.Length)
                return MalformedJson;
            var c = s[i];
            if (c == '{')
            {
                var end = JsonScanner.BlockEnd(s, i, (byte)'{', (byte)'}');
                if (end < 0)
                    return MalformedObject;
                var nestedLength = prefixLength;
                if (prefixLength > 0)
                {
                    EnsurePrefix(st, prefixLength + 1);
                    st.Prefix[nestedLength++] = (byte)'_';
                }
                nestedLength = LabelNames.AppendSanitized(ref st.Prefix, nestedLength, rawKey);
                if (depth < MaxDepth && WantsPrefix(st, hints, nestedLength))
                {
                    // The nested object is walked within its own extent, as Loki walks the value Get returned.
                    var r = ParseObject(st, hints, line, i, nestedLength, depth + 1, end);
                    if (r < 0)
                        return r;
                }
                i = end;
            }
            else
            {
                // Strings are scanned here to learn whether they hold an escape (SetValue then need not look again).
                var valueEscaped = false;
                int end;
                var extract = true;
                switch (c)
                {
                    case (byte)'"':
                        end = st.Quotes.StringEnd(line, i + 1, out valueEscaped);
                        if (end < 0 || end >= limit)
                            return MalformedString;
                        end++;
                        break;
                    case (byte)'[':
                        end = JsonScanner.BlockEnd(s, i, (byte)'[', (byte)']');
                        if (end < 0)
                            return MalformedArray;
                        extract = false;
                        break;
                    default:
                        // Number, boolean or null: up to the next separator, then checked by its first byte.
                        end = JsonScanner.TokenEnd(s, i);
                        var token = s[i..end];
                        if (c is (byte)'t' or (byte)'f')
                        {
                            if (!token.SequenceEqual("true"u8) && !token.SequenceEqual("false"u8))
                                return UnknownValueType;
                        }
                        else if (c is (byte)'n' or (byte)'u')
                        {
                            if (!token.SequenceEqual("null"u8))
                                return UnknownValueType;
                            extract = false;
                        }
                        else if (!(c == '-' || char.IsAsciiDigit((char)c)))
                        {
                            return UnknownValueType;
                        }
                        break;
                }
                if (extract)
                {
                    string? name;
                    ulong bit;
                    if (st.Entry!.HasMetadata)
                    {
                        // Names then depend on this entry's metadata (see ResolveName): not cached.
                        name = ResolveName(st, hints, rawKey, prefixLength);
                        bit = name == null || hints.ExtractAll ? 0 : hints.BitOf(name);
                    }
                    else if (!st.Positions.TryGet(ordinal, rawKey, out name, out bit))
                    {
                        name = ResolveName(st, hints, rawKey, prefixLength);
                        bit = name == null || hints.ExtractAll ? 0 : hints.BitOf(name);
                        st.Positions.Remember(ordinal, rawKey, name, bit);
                    }
                    if (name != null)
                    {
                        SetValue(st, name, s[i..end], valueEscaped);
                        if (!hints.ExtractAll)
                        {
                            st.Found |= bit;
                            if ((st.Found & st.Mask) == st.Mask && st.Mask != 0)
                                return Done;
                        }
                    }
                }
                i = end;
            }
            i = JsonScanner.SkipWhitespace(s, i);
            if (i >= s.Length)
                return MalformedArray;
            if (s[i] == '}')
                return i + 1;
            if (s[i] != ',')
                return MalformedObject;
            i = JsonScanner.SkipWhitespace(s, i + 1);
            if (i >= s.Length)
                return MalformedArray;
        }
    }

    private static bool WantsPrefix(State st, ParserHints hints, int prefixLength)
    {
        if (hints.ExtractAll)
            return true;
        Span<char> chars = stackalloc char[Math.Min(prefixLength, 256)];
        if (prefixLength > 256)
            return true;
        for (var k = 0; k < prefixLength; k++)
            chars[k] = (char)st.Prefix[k];
        return hints.ShouldExtractPrefix(chars);
    }

    private static void EnsurePrefix(State st, int length)
    {
        if (st.Prefix.Length < length)
            Array.Resize(ref st.Prefix, Math.Max(length, st.Prefix.Length * 2));
    }

    private static string? ResolveName(State st, ParserHints hints, ReadOnlySpan<byte> rawKey, int prefixLength)
    {
        var entry = st.Entry!;
        if (entry.HasMetadata)
        {
            // The _extracted suffix then also depends on this entry's metadata: resolved without the stream caches.
            string plain;
            if (prefixLength == 0)
            {
                plain = LabelNames.Sanitize(Encoding.UTF8.GetString(rawKey));
            }
            else
            {
                EnsurePrefix(st, prefixLength + 1);
                st.Prefix[prefixLength] = (byte)'_';
                plain = Encoding.UTF8.GetString(st.Prefix.AsSpan(0, LabelNames.AppendSanitized(ref st.Prefix, prefixLength + 1, rawKey)));
            }
            if (plain.Length == 0)
                return null;
            var named = entry.ParsedName(plain);
            return hints.ShouldExtract(named) ? named : null;
        }
        if (prefixLength == 0)
        {
            if (st.TopKeys.TryGet(rawKey, out var cached, out var slot))
                return cached;
            var sanitized = LabelNames.Sanitize(Encoding.UTF8.GetString(rawKey));
            var name = Finish(entry, hints, sanitized);
            st.TopKeys.Add(slot, rawKey, name);
            return name;
        }
        EnsurePrefix(st, prefixLength + 1);
        st.Prefix[prefixLength] = (byte)'_';
        var full = LabelNames.AppendSanitized(ref st.Prefix, prefixLength + 1, rawKey);
        var key = st.Prefix.AsSpan(0, full);
        if (st.NestedKeys.TryGet(key, out var nestedCached, out var nslot))
            return nestedCached;
        var nestedName = Finish(entry, hints, Encoding.UTF8.GetString(key));
        st.NestedKeys.Add(nslot, key, nestedName);
        return nestedName;
    }

    private static string? Finish(EntryState entry, ParserHints hints, string sanitized)
    {
        if (sanitized.Length == 0)
            return null;
        sanitized = entry.ParsedName(sanitized);
        return hints.ShouldExtract(sanitized) ? string.Intern(sanitized) : null;
    }

    /// <summary>Sets the label from the raw JSON value: strings unescaped (invalid UTF-8 → ""), literals as written. <paramref name="escaped"/>: the string holds a backslash.</summary>
    private static void SetValue(State st, string name, ReadOnlySpan<byte> v, bool escaped)
    {
        var entry = st.Entry!;
        if (v[0] == '"')
        {
            var body = v[1..^1];
            if (escaped)
            {
                if (!JsonScanner.Unescape(body, ref st.ValueUnescape, out var n))
                {
                    entry.TrySetParsed(name, "");
                    return;
                }
                body = st.ValueUnescape.AsSpan(0, n);
            }
            // Loki drops values with invalid UTF-8 (the replacement rune is rejected downstream). ASCII, the usual
            // case, is both valid and free of U+FFFD: one vectorised pass instead of two.
            if (!System.Text.Ascii.IsValid(body) && (!Utf8.IsValid(body) || body.IndexOf("\uFFFD"u8) >= 0))
                entry.TrySetParsed(name, "");
            else
                entry.TrySetParsedUtf8(name, body);
            return;
        }
        if (v[0] == 't')
            entry.TrySetParsed(name, "true");
        else if (v[0] == 'f')
            entry.TrySetParsed(name, "false");
        else
            entry.TrySetParsedUtf8(name, v);
    }

    private sealed class State
    {
        public EntryState? Entry;
        public ulong Found;
        public ulong Mask;
        public byte[] Prefix = new byte[256];
        public byte[] KeyUnescape = new byte[64];
        public byte[] ValueUnescape = new byte[256];
        public readonly KeyCache TopKeys = new();
        public readonly KeyCache NestedKeys = new();
        public readonly QuoteIndex Quotes = new();

        // Top-level keys by position (nested keys, ordinal -1, go through NestedKeys).
        public readonly KeyPositions Positions = new();
        public int Ordinal;
    }
}
