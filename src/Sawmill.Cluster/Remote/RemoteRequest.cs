using System.Buffers;
using System.Text.Json;
using Sawmill.Core;

namespace Sawmill.Cluster.Remote;

/// <summary>
/// What a querier asks an ingester for (select or summaries), as a small JSON body:
/// <c>{"matchers":[[type,name,value]…],"start":ns,"end":ns,"direction":"forward","fields":n,"omit_blocks":[id…]}</c>.
/// Matchers travel as their parts, so both ends apply exactly the same <see cref="LabelMatcher"/>. Immutable.
/// </summary>
public sealed record RemoteRequest
{
    public IReadOnlyList<LabelMatcher>? Matchers { get; init; }
    public long StartNs { get; init; }
    public long EndNs { get; init; }
    public Direction Direction { get; init; } = Direction.Forward;
    public EntryFields Fields { get; init; } = EntryFields.All;

    /// <summary>Block ids the querier's bucket view holds: an ingester leaves them out of its answer.</summary>
    public IReadOnlyCollection<string> OmitBlocks { get; init; } = [];

    public byte[] ToJson()
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            if (Matchers != null)
            {
                w.WriteStartArray("matchers");
                foreach (var m in Matchers)
                {
                    w.WriteStartArray();
                    w.WriteNumberValue((int)m.Type);
                    w.WriteStringValue(m.Name);
                    w.WriteStringValue(m.Value);
                    w.WriteEndArray();
                }
                w.WriteEndArray();
            }
            w.WriteNumber("start", StartNs);
            w.WriteNumber("end", EndNs);
            w.WriteString("direction", Direction == Direction.Forward ? "forward" : "backward");
            w.WriteNumber("fields", (int)Fields);
            w.WriteStartArray("omit_blocks");
            foreach (var id in OmitBlocks)
                w.WriteStringValue(id);
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Parses a request body. Throws <see cref="FormatException"/> with what is wrong.</summary>
    public static RemoteRequest Parse(ReadOnlySpan<byte> json)
    {
        try
        {
            using var doc = JsonDocument.Parse(json.ToArray());
            var root = doc.RootElement;
            List<LabelMatcher>? matchers = null;
            if (root.TryGetProperty("matchers", out var ms))
            {
                matchers = [];
                foreach (var m in ms.EnumerateArray())
                    matchers.Add(LabelMatcher.Create((MatchType)m[0].GetInt32(), m[1].GetString()!, m[2].GetString()!));
            }
            return new RemoteRequest
            {
                Matchers = matchers,
                StartNs = root.GetProperty("start").GetInt64(),
                EndNs = root.GetProperty("end").GetInt64(),
                Direction = root.GetProperty("direction").GetString() == "backward" ? Direction.Backward : Direction.Forward,
                Fields = (EntryFields)root.GetProperty("fields").GetInt32(),
                OmitBlocks = root.TryGetProperty("omit_blocks", out var o) ? o.EnumerateArray().Select(x => x.GetString()!).ToHashSet(StringComparer.Ordinal) : [],
            };
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or KeyNotFoundException or ArgumentException or IndexOutOfRangeException)
        {
            throw new FormatException("bad remote request: " + e.Message, e);
        }
    }
}
