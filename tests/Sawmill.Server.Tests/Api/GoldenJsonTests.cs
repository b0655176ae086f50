using System.Buffers;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using Sawmill.Core;
using Sawmill.LogQL.Engine;
using Sawmill.Server.Api;

namespace Sawmill.Server.Tests.Api;

/// <summary>
/// Response bodies byte for byte against golden files in tests/Sawmill.Server.Tests/Golden (Loki 3.x shapes: status,
/// data.resultType, result, the full stats block). Run with SAWMILL_UPDATE_GOLDEN=1 to rewrite them after an
/// intended change, then review the diff.
/// </summary>
public sealed class GoldenJsonTests
{
    private static string GoldenDir([CallerFilePath] string here = "") => Path.Combine(Path.GetDirectoryName(here)!, "..", "Golden");

    private static void AssertGolden(string name, Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JsonResponses.Options.Encoder, Indented = true }))
            write(w);
        var actual = Encoding.UTF8.GetString(buffer.WrittenSpan) + "\n";
        var path = Path.Combine(GoldenDir(), name);
        if (Environment.GetEnvironmentVariable("SAWMILL_UPDATE_GOLDEN") == "1")
            File.WriteAllText(path, actual);
        Assert.True(File.Exists(path), $"golden file {path} is missing; run with SAWMILL_UPDATE_GOLDEN=1 to create it");
        Assert.Equal(File.ReadAllText(path), actual);
    }

    private static QueryStatistics Stats()
    {
        var s = new QueryStatistics();
        s.AddDecompressed(2000, 10);
        s.AddCompressed(500);
        s.AddChunksTouched(2);
        s.AddChunksSkipped(1);
        s.AddHead(300, 3);
        s.AddPostFilterLines(4);
        return s;
    }

    private static StreamsResult Streams() => new([
        new ResultStream(Labels.From(("app", "churn-api"), ("level", "ERROR")),
        [
            new ResultEntry(1_700_000_000_123_456_789, "{\"message\":\"Prediction error\",\"error_type\":\"ValueError\"}"),
            new ResultEntry(1_700_000_000_000_000_001, "line with \"quotes\", tab\t and ünïcode", [new Label("trace_id", "abc")], [new Label("method", "GET")]),
        ]),
    ]) { Statistics = Stats(), ExecTime = TimeSpan.FromMilliseconds(250) };

    [Fact]
    public void Streams_result_matches_golden() =>
        AssertGolden("query_range_streams.json", w => QueryResultWriter.Write(w, Streams(), categorizeLabels: false, entriesReturned: 2));

    [Fact]
    public void Streams_result_with_categorized_labels_matches_golden() =>
        AssertGolden("query_range_streams_categorized.json", w => QueryResultWriter.Write(w, Streams(), categorizeLabels: true, entriesReturned: 2));

    [Fact]
    public void Matrix_result_matches_golden() =>
        AssertGolden("query_range_matrix.json", w => QueryResultWriter.Write(w, new MatrixResult([
            new Series(Labels.From(("level", "error")), [new Point(1_700_000_000_000, 3), new Point(1_700_000_060_000, 0.5)]),
            new Series(Labels.From(("level", "info")), [new Point(1_700_000_000_000, double.NaN), new Point(1_700_000_060_500, double.PositiveInfinity)]),
        ]) { Statistics = Stats(), ExecTime = TimeSpan.FromMilliseconds(100) }, false, 0));

    [Fact]
    public void Vector_result_matches_golden() =>
        AssertGolden("query_vector.json", w => QueryResultWriter.Write(w, new VectorResult([
            new Sample(Labels.From(("app", "churn-api"), ("level", "ERROR")), 1_700_000_000_000, 42),
        ]) { ExecTime = TimeSpan.FromMilliseconds(1) }, false, 0));

    [Fact]
    public void Scalar_result_matches_golden() =>
        AssertGolden("query_scalar.json", w => QueryResultWriter.Write(w, new ScalarResult(1_700_000_000_000, 2) { ExecTime = TimeSpan.FromMilliseconds(1) }, false, 0));

    [Fact]
    public void Golden_files_are_valid_json_with_Lokis_top_level_members()
    {
        foreach (var file in Directory.EnumerateFiles(GoldenDir(), "query*.json"))
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(file));
            Assert.Equal("success", doc.RootElement.GetProperty("status").GetString());
            var data = doc.RootElement.GetProperty("data");
            Assert.Contains(data.GetProperty("resultType").GetString(), new[] { "streams", "matrix", "vector", "scalar" });
            var summary = data.GetProperty("stats").GetProperty("summary");
            foreach (var member in new[] { "bytesProcessedPerSecond", "linesProcessedPerSecond", "totalBytesProcessed", "totalLinesProcessed", "execTime", "queueTime", "totalEntriesReturned" })
                Assert.True(summary.TryGetProperty(member, out _), $"{Path.GetFileName(file)}: stats.summary.{member} missing");
            Assert.True(data.GetProperty("stats").TryGetProperty("querier", out _));
            Assert.True(data.GetProperty("stats").TryGetProperty("ingester", out _));
        }
    }
}
