using System.Buffers;
using System.Text.Json;
using Sawmill.Core;
using Sawmill.LogQL.Engine;

namespace Sawmill.Server.Cluster;

/// <summary>
/// A sub-query's result as one read node sends it to the frontend of another: every field of a
/// <see cref="QueryResult"/> (structured metadata and parsed labels of log entries, the statistics counters), as JSON.
/// Stateless.
/// </summary>
public static class QueryResultWire
{
    public static byte[] Write(QueryResult result)
    {
        var buffer = new ArrayBufferWriter<byte>(4096);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("type", result.ResultType);
            var s = result.Statistics;
            w.WriteStartArray("stats");
            foreach (var v in new[] { s.DecompressedBytes, s.DecompressedLines, s.CompressedBytes, s.ChunksTouched, s.ChunksSkipped, s.HeadBytes, s.HeadLines, s.PostFilterLines })
                w.WriteNumberValue(v);
            w.WriteEndArray();
            switch (result)
            {
                case StreamsResult streams:
                    w.WriteStartArray("streams");
                    foreach (var st in streams.Streams)
                    {
                        w.WriteStartObject();
                        WriteLabels(w, "labels", st.Labels.AsSpan());
                        w.WriteStartArray("entries");
                        foreach (var e in st.Entries)
                        {
                            w.WriteStartArray();
                            w.WriteNumberValue(e.TimestampNs);
                            w.WriteStringValue(e.Line);
                            WriteLabels(w, null, e.StructuredMetadata);
                            WriteLabels(w, null, e.Parsed);
                            w.WriteEndArray();
                        }
                        w.WriteEndArray();
                        w.WriteEndObject();
                    }
                    w.WriteEndArray();
                    break;
                case MatrixResult matrix:
                    w.WriteStartArray("series");
                    foreach (var series in matrix.Series)
                    {
                        w.WriteStartObject();
                        WriteLabels(w, "labels", series.Labels.AsSpan());
                        w.WriteStartArray("points");
                        foreach (var p in series.Points)
                        {
                            w.WriteNumberValue(p.TimestampMs);
                            WriteDouble(w, p.Value);
                        }
                        w.WriteEndArray();
                        w.WriteEndObject();
                    }
                    w.WriteEndArray();
                    break;
                case VectorResult vector:
                    w.WriteStartArray("samples");
                    foreach (var sample in vector.Samples)
                    {
                        w.WriteStartObject();
                        WriteLabels(w, "labels", sample.Labels.AsSpan());
                        w.WriteNumber("t", sample.TimestampMs);
                        w.WritePropertyName("v");
                        WriteDouble(w, sample.Value);
                        w.WriteEndObject();
                    }
                    w.WriteEndArray();
                    break;
                case ScalarResult scalar:
                    w.WriteNumber("t", scalar.TimestampMs);
                    w.WritePropertyName("v");
                    WriteDouble(w, scalar.Value);
                    break;
            }
            w.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>NaN and the infinities as strings (JSON numbers cannot hold them).</summary>
    private static void WriteDouble(Utf8JsonWriter w, double v)
    {
        if (double.IsFinite(v))
            w.WriteNumberValue(v);
        else
            w.WriteStringValue(v.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    private static double ReadDouble(JsonElement e) =>
        e.ValueKind == JsonValueKind.String ? double.Parse(e.GetString()!, System.Globalization.CultureInfo.InvariantCulture) : e.GetDouble();

    private static void WriteLabels(Utf8JsonWriter w, string? name, ReadOnlySpan<Label> labels)
    {
        if (name != null)
            w.WritePropertyName(name);
        w.WriteStartArray();
        foreach (var l in labels)
        {
            w.WriteStringValue(l.Name);
            w.WriteStringValue(l.Value);
        }
        w.WriteEndArray();
    }

    private static Label[]? ReadLabelArray(JsonElement e)
    {
        var n = e.GetArrayLength();
        if (n == 0)
            return null;
        var result = new Label[n / 2];
        for (var i = 0; i + 1 < n; i += 2)
            result[i / 2] = new Label(e[i].GetString()!, e[i + 1].GetString()!);
        return result;
    }

    private static Labels ReadLabels(JsonElement e) => ReadLabelArray(e) is { } l ? Labels.From(l) : Labels.Empty;

    public static QueryResult Read(byte[] json)
    {
        using var doc = JsonDocument.Parse(json);
        var root = doc.RootElement;
        var stats = new QueryStatistics();
        var st = root.GetProperty("stats");
        stats.AddDecompressed(st[0].GetInt64(), st[1].GetInt64());
        stats.AddCompressed(st[2].GetInt64());
        stats.AddChunksTouched(st[3].GetInt64());
        stats.AddChunksSkipped(st[4].GetInt64());
        stats.AddHead(st[5].GetInt64(), st[6].GetInt64());
        stats.AddPostFilterLines(st[7].GetInt64());
        switch (root.GetProperty("type").GetString())
        {
            case "streams":
                var streams = new List<ResultStream>();
                foreach (var s in root.GetProperty("streams").EnumerateArray())
                {
                    var entries = new List<ResultEntry>();
                    foreach (var e in s.GetProperty("entries").EnumerateArray())
                        entries.Add(new ResultEntry(e[0].GetInt64(), e[1].GetString()!, ReadLabelArray(e[2]), ReadLabelArray(e[3])));
                    streams.Add(new ResultStream(ReadLabels(s.GetProperty("labels")), entries));
                }
                return new StreamsResult(streams) { Statistics = stats };
            case "matrix":
                var series = new List<Series>();
                foreach (var s in root.GetProperty("series").EnumerateArray())
                {
                    var points = new List<Point>();
                    var p = s.GetProperty("points");
                    for (var i = 0; i + 1 < p.GetArrayLength(); i += 2)
                        points.Add(new Point(p[i].GetInt64(), ReadDouble(p[i + 1])));
                    series.Add(new Series(ReadLabels(s.GetProperty("labels")), points));
                }
                return new MatrixResult(series) { Statistics = stats };
            case "vector":
                var samples = new List<Sample>();
                foreach (var s in root.GetProperty("samples").EnumerateArray())
                    samples.Add(new Sample(ReadLabels(s.GetProperty("labels")), s.GetProperty("t").GetInt64(), ReadDouble(s.GetProperty("v"))));
                return new VectorResult(samples) { Statistics = stats };
            default:
                return new ScalarResult(root.GetProperty("t").GetInt64(), ReadDouble(root.GetProperty("v"))) { Statistics = stats };
        }
    }

    /// <summary>Adds <paramref name="from"/>'s counters to <paramref name="into"/>.</summary>
    public static void AddStatistics(QueryStatistics into, QueryStatistics from)
    {
        into.AddDecompressed(from.DecompressedBytes, from.DecompressedLines);
        into.AddCompressed(from.CompressedBytes);
        into.AddChunksTouched(from.ChunksTouched);
        into.AddChunksSkipped(from.ChunksSkipped);
        into.AddHead(from.HeadBytes, from.HeadLines);
        into.AddPostFilterLines(from.PostFilterLines);
    }
}
