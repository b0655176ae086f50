using System.Text.Json;
using Sawmill.Core;
using Sawmill.LogQL.Engine;

namespace Sawmill.Server.Api;

/// <summary>
/// Writes a <see cref="QueryResult"/> in Loki 3.x's response shape:
/// <c>{"status":"success","data":{"resultType":…,"result":…,"stats":{…}}}</c>. Log lines are written as
/// <c>["&lt;ns&gt;","line"]</c>; with the <c>categorize-labels</c> encoding flag a third element carries structured
/// metadata and parsed labels separately, as Loki does for Grafana.
/// </summary>
public static class QueryResultWriter
{
    /// <summary>The encoding flag Grafana sends in <c>X-Loki-Response-Encoding-Flags</c>.</summary>
    public const string CategorizeLabelsFlag = "categorize-labels";

    /// <param name="direction">The query's direction: the order of entries when categorizing merges streams.</param>
    public static void Write(Utf8JsonWriter w, QueryResult result, bool categorizeLabels, long entriesReturned, Direction direction = Direction.Backward)
    {
        w.WriteStartObject();
        w.WriteString("status", "success");
        // Loki's place for problems the query worked around (a skipped damaged chunk): Grafana shows them.
        if (result.Statistics.Warnings is { Count: > 0 } warnings)
        {
            w.WriteStartArray("warnings");
            foreach (var warning in warnings)
                w.WriteStringValue(warning);
            w.WriteEndArray();
        }
        w.WriteStartObject("data");
        w.WriteString("resultType", result.ResultType);
        if (categorizeLabels)
        {
            // As Loki (pkg/util/marshal/query.go): the flags come before "result", so that streaming readers such as
            // Grafana's know to read each value as a [ts, line, {categories}] triple.
            w.WriteStartArray("encodingFlags");
            w.WriteStringValue(CategorizeLabelsFlag);
            w.WriteEndArray();
        }
        w.WritePropertyName("result");
        switch (result)
        {
            case StreamsResult s:
                WriteStreams(w, categorizeLabels ? Categorized(s, direction) : s, categorizeLabels);
                break;
            case MatrixResult m:
                w.WriteStartArray();
                foreach (var series in m.Series)
                {
                    w.WriteStartObject();
                    w.WritePropertyName("metric");
                    JsonResponses.WriteLabels(w, series.Labels);
                    w.WriteStartArray("values");
                    foreach (var p in series.Points)
                        JsonResponses.WriteSample(w, p.TimestampMs, p.Value);
                    w.WriteEndArray();
                    w.WriteEndObject();
                }
                w.WriteEndArray();
                break;
            case VectorResult v:
                w.WriteStartArray();
                foreach (var sample in v.Samples)
                {
                    w.WriteStartObject();
                    w.WritePropertyName("metric");
                    JsonResponses.WriteLabels(w, sample.Labels);
                    w.WritePropertyName("value");
                    JsonResponses.WriteSample(w, sample.TimestampMs, sample.Value);
                    w.WriteEndObject();
                }
                w.WriteEndArray();
                break;
            case ScalarResult sc:
                w.WriteStartArray();
                // Loki's query frontend reads the scalar's millisecond time as seconds (model.TimeFromUnix) and
                // prints it back: the number in the answer is the time in milliseconds (in 2.9 and 3.x alike).
                w.WriteNumberValue(sc.TimestampMs);
                w.WriteStringValue(JsonResponses.FormatValue(sc.Value));
                w.WriteEndArray();
                break;
        }
        w.WritePropertyName("stats");
        WriteStats(w, result, entriesReturned);
        w.WriteEndObject();
        w.WriteEndObject();
    }

    private static void WriteStreams(Utf8JsonWriter w, StreamsResult s, bool categorize)
    {
        w.WriteStartArray();
        foreach (var stream in s.Streams)
        {
            w.WriteStartObject();
            w.WritePropertyName("stream");
            JsonResponses.WriteLabels(w, stream.Labels);
            w.WriteStartArray("values");
            foreach (var e in stream.Entries)
            {
                w.WriteStartArray();
                w.WriteStringValue(e.TimestampNs.ToString(System.Globalization.CultureInfo.InvariantCulture));
                w.WriteStringValue(e.Line);
                if (categorize)
                {
                    // Loki writes the third element for every entry, empty when there is nothing to categorize.
                    w.WriteStartObject();
                    if (e.StructuredMetadata is { Length: > 0 } md)
                        WritePairs(w, "structuredMetadata", md);
                    if (e.Parsed is { Length: > 0 } parsed)
                        WritePairs(w, "parsed", parsed);
                    w.WriteEndObject();
                }
                w.WriteEndArray();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        w.WriteEndArray();
    }

    /// <summary>
    /// Loki's categorized form: a stream's labels are only its indexed labels; structured metadata and parsed labels
    /// travel with each entry. The engine's streams carry them merged into the stream labels, so they are taken out
    /// here and streams that become equal are merged (entries re-ordered in the query's direction).
    /// </summary>
    internal static StreamsResult Categorized(StreamsResult s, Direction direction)
    {
        var byBase = new Dictionary<Labels, ResultStream>();
        var order = new List<ResultStream>();
        foreach (var stream in s.Streams)
        {
            foreach (var e in stream.Entries)
            {
                var baseLabels = Without(stream.Labels, e.StructuredMetadata, e.Parsed);
                if (!byBase.TryGetValue(baseLabels, out var target))
                {
                    target = new ResultStream(baseLabels, []);
                    byBase[baseLabels] = target;
                    order.Add(target);
                }
                target.Entries.Add(e);
            }
        }
        foreach (var t in order)
        {
            if (t.Entries.Count < 2)
                continue;
            // A stable sort keeps the engine's order among equal timestamps.
            var sorted = direction == Direction.Forward
                ? t.Entries.OrderBy(e => e.TimestampNs).ToList()
                : t.Entries.OrderByDescending(e => e.TimestampNs).ToList();
            t.Entries.Clear();
            t.Entries.AddRange(sorted);
        }
        return new StreamsResult(order) { Statistics = s.Statistics, ExecTime = s.ExecTime };
    }

    private static Labels Without(Labels labels, Label[]? metadata, Label[]? parsed)
    {
        if (metadata is not { Length: > 0 } && parsed is not { Length: > 0 })
            return labels;
        var kept = new List<Label>(labels.Count);
        foreach (var l in labels.AsSpan())
        {
            if (Contains(metadata, l) || Contains(parsed, l))
                continue;
            kept.Add(l);
        }
        return kept.Count == labels.Count ? labels : Labels.FromSorted([.. kept]);
    }

    private static bool Contains(Label[]? pairs, Label l)
    {
        if (pairs == null)
            return false;
        foreach (var p in pairs)
            if (p.Name == l.Name && p.Value == l.Value)
                return true;
        return false;
    }

    private static void WritePairs(Utf8JsonWriter w, string name, Label[] pairs)
    {
        w.WriteStartObject(name);
        foreach (var p in pairs)
            w.WriteString(p.Name, p.Value);
        w.WriteEndObject();
    }

    /// <summary>The stats block with Loki's field names (Grafana reads <c>summary</c>; the rest mirrors Loki's layout).</summary>
    public static void WriteStats(Utf8JsonWriter w, QueryResult result, long entriesReturned)
    {
        var st = result.Statistics;
        var exec = result.ExecTime.TotalSeconds;
        var bytes = st.DecompressedBytes + st.HeadBytes;
        var lines = st.DecompressedLines + st.HeadLines;
        w.WriteStartObject();
        w.WriteStartObject("summary");
        w.WriteNumber("bytesProcessedPerSecond", exec > 0 ? (long)(bytes / exec) : bytes);
        w.WriteNumber("linesProcessedPerSecond", exec > 0 ? (long)(lines / exec) : lines);
        w.WriteNumber("totalBytesProcessed", bytes);
        w.WriteNumber("totalLinesProcessed", lines);
        w.WriteNumber("execTime", exec);
        w.WriteNumber("queueTime", 0);
        w.WriteNumber("subqueries", 0);
        w.WriteNumber("totalEntriesReturned", entriesReturned);
        w.WriteNumber("splits", 0);
        w.WriteNumber("shards", 0);
        w.WriteNumber("totalPostFilterLines", st.PostFilterLines);
        w.WriteNumber("totalStructuredMetadataBytesProcessed", 0);
        w.WriteEndObject();
        w.WriteStartObject("querier");
        w.WriteStartObject("store");
        w.WriteNumber("totalChunksRef", st.ChunksTouched + st.ChunksSkipped);
        w.WriteNumber("totalChunksDownloaded", st.ChunksTouched);
        w.WriteNumber("chunksDownloadTime", 0);
        w.WriteBoolean("queryReferencedStructuredMetadata", false);
        WriteChunkStats(w, st, head: false);
        w.WriteNumber("chunkRefsFetchTime", 0);
        w.WriteNumber("congestionControlLatency", 0);
        w.WriteNumber("pipelineWrapperFilteredLines", 0);
        w.WriteEndObject();
        w.WriteEndObject();
        w.WriteStartObject("ingester");
        w.WriteNumber("totalReached", 1);
        w.WriteNumber("totalChunksMatched", 0);
        w.WriteNumber("totalBatches", 0);
        w.WriteNumber("totalLinesSent", st.HeadLines);
        w.WriteStartObject("store");
        w.WriteNumber("totalChunksRef", 0);
        w.WriteNumber("totalChunksDownloaded", 0);
        w.WriteNumber("chunksDownloadTime", 0);
        w.WriteBoolean("queryReferencedStructuredMetadata", false);
        WriteChunkStats(w, st, head: true);
        w.WriteNumber("chunkRefsFetchTime", 0);
        w.WriteNumber("congestionControlLatency", 0);
        w.WriteNumber("pipelineWrapperFilteredLines", 0);
        w.WriteEndObject();
        w.WriteEndObject();
        w.WriteStartObject("index");
        w.WriteNumber("totalChunks", st.ChunksTouched + st.ChunksSkipped);
        w.WriteNumber("postFilterChunks", st.ChunksTouched);
        w.WriteNumber("shardsDuration", 0);
        w.WriteEndObject();
        w.WriteEndObject();
    }

    private static void WriteChunkStats(Utf8JsonWriter w, QueryStatistics st, bool head)
    {
        w.WriteStartObject("chunk");
        w.WriteNumber("headChunkBytes", head ? st.HeadBytes : 0);
        w.WriteNumber("headChunkLines", head ? st.HeadLines : 0);
        w.WriteNumber("decompressedBytes", head ? 0 : st.DecompressedBytes);
        w.WriteNumber("decompressedLines", head ? 0 : st.DecompressedLines);
        w.WriteNumber("compressedBytes", head ? 0 : st.CompressedBytes);
        w.WriteNumber("totalDuplicates", 0);
        w.WriteNumber("postFilterLines", head ? 0 : st.PostFilterLines);
        w.WriteNumber("headChunkStructuredMetadataBytes", 0);
        w.WriteNumber("decompressedStructuredMetadataBytes", 0);
        w.WriteEndObject();
    }
}
