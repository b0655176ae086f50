using System.Text;
using Sawmill.Agent.Positions;
using Sawmill.Agent.Stages;
using Sawmill.Core;

namespace Sawmill.Agent.Client;

/// <summary>
/// Entries for one tenant, grouped by stream, waiting to be pushed. Holds the tokens of every line it contains;
/// completing the batch completes them. Not thread-safe (owned by the client's batching loop, then its sender).
/// </summary>
public sealed class Batch(string tenant)
{
    private readonly Dictionary<Labels, List<PushEntry>> _streams = [];

    public string Tenant { get; } = tenant;
    public long Bytes { get; private set; }
    public int EntryCount { get; private set; }
    public long CreatedTicks { get; } = Environment.TickCount64;
    public List<AckToken> Tokens { get; } = [];

    public int StreamCount => _streams.Count;

    public void Add(Labels labels, PipelineEntry entry)
    {
        if (!_streams.TryGetValue(labels, out var list))
            _streams[labels] = list = [];
        var line = Encoding.UTF8.GetBytes(entry.Line);
        Label[]? metadata = null;
        if (entry.Metadata is { Count: > 0 } md)
        {
            metadata = new Label[md.Count];
            var i = 0;
            foreach (var (k, v) in md)
                metadata[i++] = new Label(k, v);
        }
        list.Add(new PushEntry(entry.TimestampNs, line, metadata));
        Bytes += line.Length;
        EntryCount++;
        Tokens.AddRange(entry.Tokens);
        entry.Tokens.Clear();
    }

    /// <summary>The snappy-compressed protobuf PushRequest, as Promtail sends it.</summary>
    public byte[] Encode()
    {
        var streams = new List<PushStream>(_streams.Count);
        foreach (var (labels, entries) in _streams)
            streams.Add(new PushStream(labels, entries));
        var raw = Sawmill.Core.Protocol.PushRequestEncoder.Encode(streams);
        return Snappier.Snappy.CompressToArray(raw);
    }

    public void Complete()
    {
        foreach (var t in Tokens)
            t.Complete();
        Tokens.Clear();
    }
}
