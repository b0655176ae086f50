using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Sawmill.Core;
using Sawmill.LogQL.Engine;
using Sawmill.Storage;

namespace Sawmill.LogQL.Tests.Engine;

/// <summary>
/// The implied conditions the engine pushes into storage (<see cref="ImpliedConditions"/>) must never change a result:
/// every query runs twice over the same real store — once as it is, once through a reader that drops the conditions
/// (the unfiltered path) — and the answers must be identical. The corpus holds what could trip a wrong derivation:
/// JSON and logfmt escapes, values spelled as numbers, strings and floats (503, 503.0, "503", 5.03e2), keys that collide
/// with stream labels (<c>_extracted</c>) or with structured metadata, nested keys, sanitised keys, leading whitespace,
/// invalid UTF-8, quoted logfmt values with spaces, non-JSON lines, and data both in blocks on disk and in the head.
/// </summary>
public sealed class PushdownDifferentialTests : IAsyncLifetime
{
    private const string Tenant = "t";
    private const long Base = 1_800_000_000_000_000_000;
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "sawmill-pushdown-" + Guid.NewGuid().ToString("N"));
    private LogStore _store = null!;

    private static readonly string[] JsonLines =
    [
        "{\"request_id\":\"abc-123\",\"status_code\":503,\"latency\":12.5,\"msg\":\"a b\"}",
        "{\"request_id\":\"abc\\u002d123\",\"status_code\":\"503\",\"latency\":\"7\"}",
        "{\"request_id\":\"abc-124\",\"status_code\":503.0,\"latency\":1e2}",
        "{\"request_id\":\"ABC-123\",\"status_code\":5.03e2,\"nested\":{\"request_id\":\"abc-123\"}}",
        "  \t{\"request-id\":\"abc-123\",\"status_code\":200,\"level\":\"error\"}",
        "{\"level\":\"error\",\"request_id\":\"zzz\",\"latency\":3}",
        "{\"request_id\":\"x\\\"y\",\"path\":\"\\/api\\/v1\",\"latency\":\"\"}",
        "{\"request_id\":\"abc-123 \",\"status_code\":null,\"latency\":[1,2]}",
        "{\"request_id\":\"naïve\",\"latency\":9}",
        "{\"request_id\":\"abc-123\"",
        "[{\"request_id\":\"abc-123\"}]",
        "not json request_id=abc-123 status_code=503",
        "{\"request_id\":\"x\",\"REQUEST_ID\":\"abc-123\",\"latency\":4}",
        "{\"trace\":{\"id\":\"t-9\"},\"trace_id\":\"t-9\",\"latency\":5}",
        "{\"request_id\":true,\"latency\":6}",
    ];

    private static readonly string[] LogfmtLines =
    [
        "level=info trace_id=t-1 msg=\"a b\" status=503",
        "level=info trace_id=\"t-1\" msg=\"a\\\"b\" status=503.0",
        "level=error trace_id=t-10 msg=a status=\"503\"",
        "trace_id=t-1x msg=\"with \\u0041 escape\"",
        "trace_id= msg=\"a  b\"",
        "msg=\"unterminated trace_id=t-1",
        "trace_id==t-1 msg=b",
        "t-1 trace_id",
        "level=warn trace_id=t\u00e9 msg=x",
        "trace.id=t-1 msg=sanitised",
    ];

    public async Task InitializeAsync()
    {
        _store = await LogStore.OpenAsync(new LogStoreOptions { Directory = _dir, BackgroundFlush = false, BlockSize = 512, ChunkTargetSize = 2048 }, NullLogger.Instance);
        // Twice: once flushed to blocks (token filters, chunk headers), once left in the head.
        for (var round = 0; round < 2; round++)
        {
            var streams = new List<PushStream>();
            var t = Base + round * TimeNs.PerHour;
            streams.Add(Stream(("app", "api"), ("format", "json")), JsonLines, t, metadataEvery: 0);
            streams.Add(Stream(("app", "api"), ("format", "json"), ("level", "warn")), JsonLines, t, metadataEvery: 0);
            streams.Add(Stream(("app", "md"), ("format", "json")), JsonLines, t, metadataEvery: 3);
            streams.Add(Stream(("app", "web"), ("format", "logfmt")), LogfmtLines, t, metadataEvery: 4);
            streams.Add(Stream(("app", "web"), ("format", "logfmt"), ("trace_id", "t-1")), LogfmtLines, t, metadataEvery: 0);
            // Invalid UTF-8 in values and keys.
            var bad = new List<PushEntry>
            {
                new(t + 1, (byte[])[.. "trace_id=t"u8, 0xFF, .. "1 msg=x"u8]),
                new(t + 2, (byte[])[.. "{\"request_id\":\"abc"u8, 0xFF, .. "123\"}"u8]),
                new(t + 3, (byte[])[.. "trace_id=\"t"u8, 0xC3, .. " 1\""u8]),
            };
            streams.Add(new PushStream(Labels.From(("app", "bad"), ("format", "mixed")), bad));
            // Enough plain lines for many blocks, most of which a JSON condition skips (a filter passes 1 in 16 wrongly).
            streams.Add(Stream(("app", "bulk"), ("format", "plain")),
                Enumerable.Range(0, 400).Select(i => $"worker {i % 7} flushed queue {i * 7919 % 100_000:D6} request_id abc-{i}").ToArray(), t, metadataEvery: 0);
            await _store.PushAsync(Tenant, streams, default);
            if (round == 0)
                await _store.FlushAsync(force: true);
        }
    }

    private static Labels Stream(params (string, string)[] labels) => Labels.From(labels);

    public async Task DisposeAsync()
    {
        await _store.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    public static TheoryData<string> Queries() => new(
    [
        "{app=~\".+\"} | json | request_id=\"abc-123\"",
        "{app=~\".+\"} | json | request_id=\"abc-124\"",
        "{app=~\".+\"} | json | request_id=\"ABC-123\"",
        "{app=~\".+\"} | json | request_id=\"x\\\"y\"",
        "{app=~\".+\"} | json | request_id=\"naïve\"",
        "{app=~\".+\"} | json | request_id=\"true\"",
        "{app=~\".+\"} | json | request_id=\"abc-123 \"",
        "{app=~\".+\"} | json | nested_request_id=\"abc-123\"",
        "{app=~\".+\"} | json | path=\"/api/v1\"",
        "{app=~\".+\"} | json | status_code=\"503\"",
        "{app=~\".+\"} | json | status_code=503",
        "{app=~\".+\"} | json | status_code==503 or status_code=\"200\"",
        "{app=~\".+\"} | json | level=\"error\"",
        "{app=~\".+\"} | json | level=\"warn\"",
        "{app=~\".+\"} | json | level_extracted=\"error\"",
        "{app=~\".+\"} | json | msg=\"a b\"",
        "{app=~\".+\"} | json | request_id=\"abc-123\", latency=\"12.5\"",
        "{app=~\".+\"} | json | request_id=\"abc-123\" | line_format \"{{.request_id}}\"",
        "{app=~\".+\"} | json | trace_id=\"t-9\"",
        "{app=~\".+\"} | json | trace_id=\"t-1\"",
        "{app=~\".+\"} | json |= \"latency\" | request_id=\"zzz\"",
        "{app=~\".+\"} | json | __error__=\"\" | request_id=\"abc-123\"",
        "{app=~\".+\"} |= \"abc\" | json | request_id=\"abc-123\"",
        "{app=~\".+\"} | logfmt | trace_id=\"t-1\"",
        "{app=~\".+\"} | logfmt | trace_id=\"t-10\"",
        "{app=~\".+\"} | logfmt | trace_id=\"t 1\"",
        "{app=~\".+\"} | logfmt | trace_id=\"t\uFFFD1\"",
        "{app=~\".+\"} | logfmt | trace_id_extracted=\"t-1\"",
        "{app=~\".+\"} | logfmt | msg=\"a b\"",
        "{app=~\".+\"} | logfmt | msg=\"a\\\"b\"",
        "{app=~\".+\"} | logfmt | msg=\"with A escape\"",
        "{app=~\".+\"} | logfmt | msg=\"a  b\"",
        "{app=~\".+\"} | logfmt | trace_id=\"t-1\" | status=503",
        "{app=~\".+\"} | logfmt | trace_id=\"=t-1\"",
        "{app=~\".+\"} | logfmt | trace_id=\"té\"",
        "{app=~\".+\"} | logfmt --strict | trace_id=\"t-1\"",
        "{app=~\".+\"} | logfmt | json | request_id=\"abc-123\"",
        "{app=~\".+\"} | json | request_id=~\"abc.*\"",
        "{app=~\".+\"} | json | request_id!=\"abc-123\"",
        "{app=~\".+\"} | json | drop request_id | request_id=\"abc-123\"",
        "{app=~\".+\"} | json | label_format request_id=\"abc-123\" | request_id=\"abc-123\"",
        "sum by (app) (count_over_time({app=~\".+\"} | json | request_id=\"abc-123\" [1h]))",
        "sum by (app) (count_over_time({app=~\".+\"} | logfmt | trace_id=\"t-1\" [1h]))",
        "sum by (app) (sum_over_time({app=~\".+\"} | json | unwrap latency [1h]))",
        "sum by (app) (sum_over_time({app=~\".+\"} | json | __error__=\"\" | unwrap latency [1h]))",
        "sum by (app) (count_over_time({app=~\".+\"} | json | unwrap latency | __error__=\"\" [1h]))",
        "sum by (app) (sum_over_time({format=\"logfmt\"} | logfmt | unwrap status [1h]))",
        "sum by (app) (sum_over_time({app=~\".+\"} | json | level=\"error\" | unwrap latency [1h]))",
        "sum by (app) (count_over_time({app=~\".+\"} | json | status_code >= 500 [1h]))",
    ]);

    [Theory]
    [MemberData(nameof(Queries))]
    public async Task A_query_answers_the_same_with_and_without_implied_conditions(string query)
    {
        var pushed = await Run(new LogQLEngine(_store), query);
        var unfiltered = await Run(new LogQLEngine(new WithoutImplied(_store)), query);
        Assert.Equal(unfiltered, pushed);
    }

    [Fact]
    public async Task The_conditions_are_pushed_down_and_skip_lines()
    {
        var query = "{app=~\".+\"} | json | request_id=\"abc-124\"";
        var engine = new LogQLEngine(_store);
        var result = await engine.ExecuteAsync(Tenant, Params(query), new QueryLimits(), default);
        var unfiltered = await new LogQLEngine(new WithoutImplied(_store)).ExecuteAsync(Tenant, Params(query), new QueryLimits(), default);
        // The pushed query still reads the head's lines, but drops most before the parser and skips blocks on disk.
        Assert.True(result.Statistics.DecompressedLines + result.Statistics.HeadLines < unfiltered.Statistics.DecompressedLines + unfiltered.Statistics.HeadLines,
            $"{result.Statistics.DecompressedLines}+{result.Statistics.HeadLines} vs {unfiltered.Statistics.DecompressedLines}+{unfiltered.Statistics.HeadLines}; skipped {result.Statistics.ChunksSkipped}");
        Assert.NotEmpty(((StreamsResult)result).Streams);
    }

    private static QueryParams Params(string query) => new()
    {
        Query = query,
        StartNs = Base - TimeNs.PerHour,
        EndNs = Base + 3 * TimeNs.PerHour,
        StepNs = TimeNs.PerHour,
        Limit = 1000,
        Direction = Direction.Forward,
    };

    private static async Task<List<string>> Run(LogQLEngine engine, string query)
    {
        try
        {
            var result = await engine.ExecuteAsync(Tenant, Params(query), new QueryLimits(), default);
            return Render(result);
        }
        catch (LogQLException e)
        {
            return ["error: " + e.Message];
        }
    }

    private static List<string> Render(QueryResult r)
    {
        var lines = new List<string>();
        switch (r)
        {
            case StreamsResult s:
                foreach (var stream in s.Streams)
                    foreach (var e in stream.Entries)
                        lines.Add($"{stream.Labels} {e.TimestampNs} {e.Line} md={string.Join(',', e.StructuredMetadata ?? [])} parsed={string.Join(',', e.Parsed ?? [])}");
                break;
            case MatrixResult m:
                foreach (var series in m.Series)
                    foreach (var p in series.Points)
                        lines.Add($"{series.Labels} {p.TimestampMs} {p.Value.ToString("R", CultureInfo.InvariantCulture)}");
                break;
            case VectorResult v:
                foreach (var sample in v.Samples)
                    lines.Add($"{sample.Labels} {sample.Value.ToString("R", CultureInfo.InvariantCulture)}");
                break;
            case ScalarResult sc:
                lines.Add(sc.Value.ToString("R", CultureInfo.InvariantCulture));
                break;
        }
        return lines;
    }

    /// <summary>The unfiltered path: the same store, with every request's implied conditions dropped.</summary>
    private sealed class WithoutImplied(ILogReader inner) : ILogReader
    {
        public IReadOnlyList<IEntryIterator> Select(SelectRequest request, CancellationToken cancellationToken) =>
            inner.Select(request with { Implied = [] }, cancellationToken);

        public IReadOnlyList<Labels> Series(string tenant, IReadOnlyList<LabelMatcher> matchers, long startNs, long endNs, CancellationToken cancellationToken) =>
            inner.Series(tenant, matchers, startNs, endNs, cancellationToken);

        public IReadOnlyList<string> LabelNames(string tenant, long startNs, long endNs, IReadOnlyList<LabelMatcher>? matchers, CancellationToken cancellationToken) =>
            inner.LabelNames(tenant, startNs, endNs, matchers, cancellationToken);

        public IReadOnlyList<string> LabelValues(string tenant, string name, long startNs, long endNs, IReadOnlyList<LabelMatcher>? matchers, CancellationToken cancellationToken) =>
            inner.LabelValues(tenant, name, startNs, endNs, matchers, cancellationToken);

        public IndexStats Stats(string tenant, IReadOnlyList<LabelMatcher> matchers, long startNs, long endNs, CancellationToken cancellationToken) =>
            inner.Stats(tenant, matchers, startNs, endNs, cancellationToken);

        public IReadOnlyList<string> Tenants() => inner.Tenants();
    }
}

internal static class PushStreamListExtensions
{
    /// <summary>Adds a stream of <paramref name="lines"/>, one a second from <paramref name="t"/>, every n-th with structured metadata.</summary>
    public static void Add(this List<PushStream> streams, Labels labels, string[] lines, long t, int metadataEvery)
    {
        var entries = new List<PushEntry>();
        for (var i = 0; i < lines.Length; i++)
        {
            Label[]? md = metadataEvery > 0 && i % metadataEvery == 0
                ? [new Label("request_id", "abc-124"), new Label("trace_id", "t-1")]
                : null;
            entries.Add(new PushEntry(t + i * TimeNs.PerSecond, Encoding.UTF8.GetBytes(lines[i]), md));
        }
        streams.Add(new PushStream(labels, entries));
    }
}
