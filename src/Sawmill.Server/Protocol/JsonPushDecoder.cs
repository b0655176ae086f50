using System.Globalization;
using System.Text;
using System.Text.Json;
using Sawmill.Core;
using Sawmill.GoCompat;

namespace Sawmill.Server.Protocol;

/// <summary>
/// Decodes Loki's JSON push body: <c>{"streams":[{"stream":{"app":"x"},"values":[["&lt;ns&gt;","line",{"k":"v"}]]}]}</c>
/// (the optional third element is structured metadata), and the legacy shape
/// <c>{"streams":[{"labels":"{app=\"x\"}","entries":[{"ts":"RFC3339","line":"…"}]}]}</c>.
/// Throws <see cref="PushDecodeException"/> with a message that says what is wrong and where.
/// </summary>
public static class JsonPushDecoder
{
    public static List<RawStream> Decode(ReadOnlyMemory<byte> body)
    {
        // Loki (Go's JSON decoding) accepts invalid UTF-8 in strings and lone UTF-16 surrogates in \u escapes, storing
        // U+FFFD in their place; System.Text.Json refuses to read such strings, so the body is made valid first.
        if (!System.Text.Unicode.Utf8.IsValid(body.Span))
            body = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(body.Span));
        try
        {
            return DecodeValid(body);
        }
        catch (InvalidOperationException) when (ReplaceLoneSurrogateEscapes(body.Span) is { } fixedBody)
        {
            return DecodeValid(fixedBody);
        }
    }

    /// <summary>
    /// The body with every <c>\uD800</c>–<c>\uDFFF</c> escape that is not half of a valid pair written as
    /// <c>\uFFFD</c>, or null when it has none.
    /// </summary>
    private static byte[]? ReplaceLoneSurrogateEscapes(ReadOnlySpan<byte> body)
    {
        var output = body.ToArray();
        var changed = false;
        for (var i = 0; i + 5 < output.Length; i++)
        {
            if (output[i] != (byte)'\\')
                continue;
            if (output[i + 1] != (byte)'u')
            {
                i++; // an escaped character, possibly a backslash: skip it
                continue;
            }
            if (!Hex4(output, i + 2, out var unit) || unit is < 0xD800 or > 0xDFFF)
                continue;
            if (unit < 0xDC00 && i + 7 < output.Length && output[i + 6] == (byte)'\\' && output[i + 7] == (byte)'u'
                && Hex4(output, i + 8, out var low) && low is >= 0xDC00 and <= 0xDFFF)
            {
                i += 11;
                continue;
            }
            "FFFD"u8.CopyTo(output.AsSpan(i + 2));
            changed = true;
            i += 5;
        }
        return changed ? output : null;
    }

    private static bool Hex4(byte[] b, int at, out int value)
    {
        value = 0;
        return at + 4 <= b.Length && int.TryParse(b.AsSpan(at, 4), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out value);
    }

    private static List<RawStream> DecodeValid(ReadOnlyMemory<byte> body)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = 16 });
        }
        catch (JsonException e)
        {
            throw new PushDecodeException("invalid JSON push body: " + e.Message);
        }
        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("streams", out var streams) || streams.ValueKind != JsonValueKind.Array)
                throw new PushDecodeException("invalid JSON push body: expected an object with a \"streams\" array");
            var result = new List<RawStream>(streams.GetArrayLength());
            var index = 0;
            foreach (var s in streams.EnumerateArray())
            {
                if (s.ValueKind != JsonValueKind.Object)
                    throw new PushDecodeException($"invalid JSON push body: streams[{index}] is not an object");
                if (s.TryGetProperty("stream", out var labels))
                    result.Add(new RawStream(LabelsFromObject(labels, index), Values(s, index)));
                else if (s.TryGetProperty("labels", out var labelText) && labelText.ValueKind == JsonValueKind.String)
                    result.Add(new RawStream(labelText.GetString()!, LegacyEntries(s, index)));
                else
                    throw new PushDecodeException($"invalid JSON push body: streams[{index}] has no \"stream\" object");
                index++;
            }
            return result;
        }
    }

    private static string LabelsFromObject(JsonElement labels, int index)
    {
        if (labels.ValueKind != JsonValueKind.Object)
            throw new PushDecodeException($"invalid JSON push body: streams[{index}].stream must be an object of label names to values");
        var sb = new StringBuilder("{");
        var first = true;
        foreach (var p in labels.EnumerateObject())
        {
            if (p.Value.ValueKind != JsonValueKind.String)
                throw new PushDecodeException($"invalid JSON push body: label {p.Name} of streams[{index}] must be a string");
            if (!first)
                sb.Append(", ");
            first = false;
            sb.Append(p.Name).Append('=');
            GoQuote.Append(sb, p.Value.GetString()!);
        }
        return sb.Append('}').ToString();
    }

    private static List<PushEntry> Values(JsonElement stream, int index)
    {
        if (!stream.TryGetProperty("values", out var values) || values.ValueKind != JsonValueKind.Array)
            throw new PushDecodeException($"invalid JSON push body: streams[{index}] has no \"values\" array");
        var entries = new List<PushEntry>(values.GetArrayLength());
        var j = 0;
        foreach (var v in values.EnumerateArray())
        {
            var where = $"streams[{index}].values[{j++}]";
            if (v.ValueKind != JsonValueKind.Array || v.GetArrayLength() is < 2 or > 3)
                throw new PushDecodeException($"invalid JSON push body: {where} must be [\"<unix ns>\", \"<line>\"] or [\"<unix ns>\", \"<line>\", {{metadata}}]");
            var ts = ParseTimestamp(v[0], where);
            if (v[1].ValueKind != JsonValueKind.String)
                throw new PushDecodeException($"invalid JSON push body: {where}: the line must be a string");
            var line = Encoding.UTF8.GetBytes(v[1].GetString()!);
            Label[]? metadata = null;
            if (v.GetArrayLength() == 3)
            {
                var md = v[2];
                if (md.ValueKind != JsonValueKind.Object)
                    throw new PushDecodeException($"invalid JSON push body: {where}: structured metadata must be an object");
                var list = new List<Label>();
                foreach (var p in md.EnumerateObject())
                {
                    if (p.Value.ValueKind != JsonValueKind.String)
                        throw new PushDecodeException($"invalid JSON push body: {where}: structured metadata value {p.Name} must be a string");
                    list.Add(new Label(p.Name, p.Value.GetString()!));
                }
                metadata = list.Count > 0 ? list.ToArray() : null;
            }
            entries.Add(new PushEntry(ts, line, metadata));
        }
        return entries;
    }

    private static long ParseTimestamp(JsonElement e, string where)
    {
        if (e.ValueKind == JsonValueKind.String && long.TryParse(e.GetString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var ns))
            return ns;
        if (e.ValueKind == JsonValueKind.Number && e.TryGetInt64(out var n))
            return n;
        throw new PushDecodeException($"invalid JSON push body: {where}: the timestamp must be a string of Unix nanoseconds, e.g. \"1700000000000000000\"");
    }

    private static List<PushEntry> LegacyEntries(JsonElement stream, int index)
    {
        if (!stream.TryGetProperty("entries", out var values) || values.ValueKind != JsonValueKind.Array)
            throw new PushDecodeException($"invalid JSON push body: streams[{index}] has no \"entries\" array");
        var entries = new List<PushEntry>();
        var j = 0;
        foreach (var v in values.EnumerateArray())
        {
            var where = $"streams[{index}].entries[{j++}]";
            if (v.ValueKind != JsonValueKind.Object || !v.TryGetProperty("ts", out var ts) || !v.TryGetProperty("line", out var line) || line.ValueKind != JsonValueKind.String)
                throw new PushDecodeException($"invalid JSON push body: {where} must be {{\"ts\": \"<RFC3339>\", \"line\": \"…\"}}");
            long ns;
            if (ts.ValueKind == JsonValueKind.String && DateTimeOffset.TryParse(ts.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var dto))
                ns = TimeNs.FromDateTime(dto.UtcDateTime) + FractionRemainder(ts.GetString()!);
            else
                ns = ParseTimestamp(ts, where);
            entries.Add(new PushEntry(ns, Encoding.UTF8.GetBytes(line.GetString()!)));
        }
        return entries;
    }

    /// <summary>Nanoseconds beyond .NET's 100 ns tick precision in an RFC3339 fraction.</summary>
    private static long FractionRemainder(string text)
    {
        var dot = text.IndexOf('.', StringComparison.Ordinal);
        if (dot < 0)
            return 0;
        var end = dot + 1;
        while (end < text.Length && char.IsAsciiDigit(text[end]))
            end++;
        var digits = text[(dot + 1)..end];
        return digits.Length > 7 ? long.Parse(digits.PadRight(9, '0')[7..9], CultureInfo.InvariantCulture) : 0;
    }
}
