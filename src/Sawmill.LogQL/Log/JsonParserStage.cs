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
            entry.SetError(JsonParserError, i >= s.Length ? "Value is array, but can't find closing ']' symbol" : "Value looks like object, but can't find closing '}' symbol");
            return true;
        }
        st.Quotes.Reset(s.Length);
        st.Ordinal = 0;
        var r = ParseObject(st, hints, s, i, 0, 0);
        if (r == Failed)
            entry.SetError(JsonParserError, "Value looks like object, but can't find closing '}' symbol");
        return true;
    }

    private const int Failed = -1;
    private const int Done = -2;

    /// <summary>Parses the object at <paramref name="i"/> ('{'); returns the index after it, <see cref="Failed"/> or <see cref="Done"/> (all needed found).</summary>
    private int ParseObject(State st, ParserHints hints, ReadOnlySpan<byte> s, int i, int prefixLength, int depth)
    {
        i = JsonScanner.SkipWhitespace(s, i + 1);
        if (i < s.Length && s[i] == '}')
            return i + 1;
        while (true)
        {
            if (i >= s.Length || s[i] != '"')
                return Failed;
            var keyEnd = st.Quotes.StringEnd(s, i + 1, out var keyEscaped);
            if (keyEnd < 0)
                return Failed;
            var rawKey = s[(i + 1)..keyEnd];
            var ordinal = depth == 0 ? st.Ordinal++ : -1;
            if (keyEscaped && JsonScanner.Unescape(rawKey, ref st.KeyUnescape, out var kl))
                rawKey = st.KeyUnescape.AsSpan(0, kl);
            i = JsonScanner.SkipWhitespace(s, keyEnd + 1);
            if (i >= s.Length || s[i] != ':')
                return Failed;
            i = JsonScanner.SkipWhitespace(s, i + 1);
            if (i >= s.Length)
                return Failed;
            var c = s[i];
            if (c == '{')
            {
                var nestedLength = prefixLength;
                if (prefixLength > 0)
                {
                    EnsurePrefix(st, prefixLength + 1);
                    st.Prefix[nestedLength++] = (byte)'_';
                }
                nestedLength = LabelNames.AppendSanitized(ref st.Prefix, nestedLength, rawKey);
                if (depth < MaxDepth && WantsPrefix(st, hints, nestedLength))
                {
                    i = ParseObject(st, hints, s, i, nestedLength, depth + 1);
                    if (i < 0)
                        return i;
                }
                else
                {
                    i = JsonScanner.SkipValue(s, i);
                    if (i < 0)
                        return Failed;
                }
            }
            else
            {
                // Strings are scanned here to learn whether they hold an escape (SetValue then need not look again).
                var valueEscaped = false;
                int end;
                if (c == '"')
                {
                    end = st.Quotes.StringEnd(s, i + 1, out valueEscaped);
                    end = end < 0 ? end : end + 1;
                }
                else
                {
                    end = JsonScanner.SkipValue(s, i);
                }
                if (end < 0)
                    return Failed;
                if (c != '[' && c != 'n')
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
                return Failed;
            if (s[i] == '}')
                return i + 1;
            if (s[i] != ',')
                return Failed;
            i = JsonScanner.SkipWhitespace(s, i + 1);
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
