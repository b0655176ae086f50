using System.Buffers;
using System.Globalization;
using System.IO.Compression;
using System.Net.Http.Headers;
using System.Text.Json;
using Sawmill.Core;
using Sawmill.Core.Protocol;

namespace Sawmill.Logging.Push;

/// <summary>
/// Entries collected for one push request, grouped by stream (one stream per label set, i.e. per level when the
/// level is a label). Reused across batches by the single sender task; not thread-safe.
/// </summary>
internal sealed class PushBatch
{
    private readonly Labels[] _streams;
    private readonly List<PendingEntry>[] _entries;
    private readonly ArrayBufferWriter<byte> _body = new(64 * 1024);

    public PushBatch(Labels[] streams)
    {
        _streams = streams;
        _entries = new List<PendingEntry>[streams.Length];
        for (var i = 0; i < streams.Length; i++)
            _entries[i] = [];
    }

    public int Count { get; private set; }

    public long Bytes { get; private set; }

    /// <summary>Entries the provider added itself (drop reports); not counted in the app's sent/failed totals.</summary>
    public int SelfCount { get; private set; }

    public void Add(in PendingEntry entry)
    {
        _entries[entry.Stream].Add(entry);
        Count++;
        Bytes += entry.Line.Length;
    }

    public void AddSelf(in PendingEntry entry)
    {
        Add(entry);
        SelfCount++;
    }

    public void Clear()
    {
        foreach (var list in _entries)
            list.Clear();
        Count = 0;
        SelfCount = 0;
        Bytes = 0;
    }

    /// <summary>Encodes the batch as a push body. The returned content owns a copy of the bytes.</summary>
    public HttpContent Encode(PushProtocol protocol, bool gzip)
    {
        _body.ResetWrittenCount();
        if (protocol == PushProtocol.Protobuf)
        {
            var streams = new List<PushStream>(_streams.Length);
            for (var i = 0; i < _streams.Length; i++)
            {
                var list = _entries[i];
                if (list.Count == 0)
                    continue;
                var entries = new List<PushEntry>(list.Count);
                foreach (var e in list)
                    entries.Add(new PushEntry(e.TimestampNs, e.Line));
                streams.Add(new PushStream(_streams[i], entries));
            }
            PushRequestEncoder.Encode(streams, _body);
            var content = new ByteArrayContent(Snappier.Snappy.CompressToArray(_body.WrittenSpan));
            content.Headers.ContentType = new MediaTypeHeaderValue("application/x-protobuf");
            return content;
        }

        using (var w = new Utf8JsonWriter(_body))
        {
            Span<byte> ns = stackalloc byte[24];
            w.WriteStartObject();
            w.WriteStartArray("streams");
            for (var i = 0; i < _streams.Length; i++)
            {
                var list = _entries[i];
                if (list.Count == 0)
                    continue;
                w.WriteStartObject();
                w.WriteStartObject("stream");
                foreach (var l in _streams[i].AsSpan())
                    w.WriteString(l.Name, l.Value);
                w.WriteEndObject();
                w.WriteStartArray("values");
                foreach (var e in list)
                {
                    w.WriteStartArray();
                    e.TimestampNs.TryFormat(ns, out var n, default, CultureInfo.InvariantCulture);
                    w.WriteStringValue(ns[..n]);
                    w.WriteStringValue(e.Line);
                    w.WriteEndArray();
                }
                w.WriteEndArray();
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        HttpContent json;
        if (gzip)
        {
            using var ms = new MemoryStream(_body.WrittenCount / 4 + 64);
            using (var gz = new GZipStream(ms, CompressionLevel.Fastest, leaveOpen: true))
                gz.Write(_body.WrittenSpan);
            json = new ByteArrayContent(ms.GetBuffer(), 0, (int)ms.Length);
            json.Headers.ContentEncoding.Add("gzip");
        }
        else
        {
            json = new ByteArrayContent(_body.WrittenSpan.ToArray());
        }
        json.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return json;
    }
}
