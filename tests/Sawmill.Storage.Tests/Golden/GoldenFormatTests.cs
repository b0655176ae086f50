using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Sawmill.Core;
using Sawmill.Storage.Chunks;

namespace Sawmill.Storage.Tests.Golden;

/// <summary>
/// Data directories written once by the format version they are named after and checked in (as Prometheus keeps
/// <c>tsdb/testdata</c>): every later version must open them and read back every entry exactly. Each case is a whole
/// data directory — blocks (meta.json, index, chunks of every codec; cold version-2 chunks with implicit line lengths
/// and the number column), WAL segments and a non-empty checkpoint — with <c>expected.jsonl</c> beside it.
/// A change that cannot read them fails here. They were produced by running this class with
/// <c>SAWMILL_GOLDEN_WRITE=1</c>, which only writes cases that do not exist yet: never regenerate a committed one.
/// </summary>
public sealed class GoldenFormatTests
{
    private static readonly string[] Names =
    [
        "v1/zstd-wal-checkpoint", "v1/snappy", "v1/lz4", "v1/none", "v1/cold-v2-chunks",
        // Chunk version 3 (token filters per block, block prefixes), flushed and recompressed.
        "v1/chunk-v3-flush", "v1/chunk-v3-cold",
    ];

    public static readonly TheoryData<string> Cases = new(Names);

    private static string CaseDirectory(string name) =>
        Path.Combine(Sawmill.Testing.RepositoryFiles.Root, "tests", "Sawmill.Storage.Tests", "Golden", name);

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task A_data_directory_of_this_version_reads_back_every_entry(string name)
    {
        if (Environment.GetEnvironmentVariable("SAWMILL_GOLDEN_WRITE") == "1" && !Directory.Exists(CaseDirectory(name)))
            await GoldenWriter.WriteAsync(name, CaseDirectory(name));
        var source = Path.Combine(Sawmill.Testing.RepositoryFiles.Path("tests", "Sawmill.Storage.Tests", "Golden", name), "data");
        var expected = File.ReadAllLines(Path.Combine(CaseDirectory(name), "expected.jsonl"));
        Assert.NotEmpty(expected);
        // Open a copy: opening may write (WAL replay truncation checks, new segments) and the checked-in files must not change.
        var copy = Directory.CreateTempSubdirectory("sawmill-golden-").FullName;
        try
        {
            CopyDirectory(source, copy);
            await using var store = await LogStore.OpenAsync(new LogStoreOptions { Directory = copy, BackgroundFlush = false }, NullLogger.Instance);
            Assert.Equal(expected, GoldenWriter.Dump(store));
        }
        finally
        {
            Directory.Delete(copy, recursive: true);
        }
    }

    [Fact]
    public void The_cases_cover_every_format_feature()
    {
        var files = Names.SelectMany(c => Directory.GetFiles(Path.Combine(CaseDirectory(c), "data"), "*", SearchOption.AllDirectories)).ToList();
        Assert.Contains(files, f => Path.GetFileName(f).StartsWith("checkpoint.", StringComparison.Ordinal) && new FileInfo(f).Length > 64);
        Assert.Contains(files, f => f.EndsWith(".wal", StringComparison.Ordinal) && new FileInfo(f).Length > 64);
        var chunks = files.Where(f => Path.GetFileName(f) == "chunks").Select(File.ReadAllBytes).ToList();
        // Chunk header byte 4 is the version, byte 5 the codec (docs/format/chunk.md).
        var headers = chunks.SelectMany(ChunkHeaders).ToList();
        Assert.Contains(headers, h => h is { Version: 1, Codec: ChunkCodec.Zstd });
        Assert.Contains(headers, h => h is { Version: 1, Codec: ChunkCodec.Snappy });
        Assert.Contains(headers, h => h is { Version: 1, Codec: ChunkCodec.Lz4 });
        Assert.Contains(headers, h => h is { Version: 1, Codec: ChunkCodec.None });
        Assert.Contains(headers, h => h is { Version: 2, Codec: ChunkCodec.Zstd });
        // Byte 6 holds the flags: bit 0 = recompressed.
        Assert.Contains(headers, h => h is { Version: 3, Codec: ChunkCodec.Zstd, Flags: 0 });
        Assert.Contains(headers, h => h is { Version: 3, Codec: ChunkCodec.Zstd, Flags: 1 });
    }

    /// <summary>
    /// Searches over each case find exactly what scanning every entry finds: the filters a version wrote (trigram
    /// filters of versions 1 and 2, token filters of version 3) never hide a line a later reader is asked for.
    /// </summary>
    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Searches_find_what_a_scan_finds(string name)
    {
        var source = Path.Combine(Sawmill.Testing.RepositoryFiles.Path("tests", "Sawmill.Storage.Tests", "Golden", name), "data");
        var copy = Directory.CreateTempSubdirectory("sawmill-golden-").FullName;
        try
        {
            CopyDirectory(source, copy);
            await using var store = await LogStore.OpenAsync(new LogStoreOptions { Directory = copy, BackgroundFlush = false }, NullLogger.Instance);
            var all = GoldenWriter.Dump(store);
            string[] needles = ["request failed", "r-000003e9", "r-000003f0", "logged in", "trace_id=", "blk_1000000104729", "日本語", "no such text anywhere", "10.0.3.3"];
            foreach (var needle in needles)
            {
                var bytes = Encoding.UTF8.GetBytes(needle);
                var expected = all.Where(l => JsonSerializer.Deserialize<JsonElement>(l)[3].GetString()!.Contains(needle, StringComparison.Ordinal)).ToList();
                Assert.Equal(expected, GoldenWriter.Dump(store, new Contains(bytes)));
            }
            // An implied condition as `| json | trace_id="…"` derives it: metadata names are in version-3 token filters.
            var implied = new ImpliedCondition { Label = "trace_id", JsonObject = true, Text = "r-000003f0"u8.ToArray(), TextBounded = true, EscapesPass = true };
            var satisfying = all.Where(l =>
            {
                var e = JsonSerializer.Deserialize<JsonElement>(l);
                var line = e[3].GetString()!;
                var hasLabel = e[1].GetString()!.Contains("trace_id=", StringComparison.Ordinal) || e[4].EnumerateArray().Any(p => p[0].GetString() == "trace_id");
                return hasLabel || line.TrimStart(' ', '\t', '\r', '\n').StartsWith('{') && (line.Contains("r-000003f0", StringComparison.Ordinal) || line.Contains('\\', StringComparison.Ordinal));
            }).ToList();
            Assert.NotEmpty(satisfying);
            Assert.Equal(satisfying, GoldenWriter.Dump(store, implied: [implied]));
        }
        finally
        {
            Directory.Delete(copy, recursive: true);
        }
    }

    private sealed class Contains(byte[] needle) : ILineFilter
    {
        public bool Matches(ReadOnlySpan<byte> line) => line.IndexOf(needle) >= 0;

        public IReadOnlyList<byte[]> RequiredSubstrings { get; } = [needle];
    }

    private static IEnumerable<(byte Version, ChunkCodec Codec, byte Flags)> ChunkHeaders(byte[] file)
    {
        for (var i = 0; i + 8 <= file.Length; i++)
            if (file.AsSpan(i, 4).SequenceEqual("SMCK"u8))
                yield return (file[i + 4], (ChunkCodec)file[i + 5], file[i + 6]);
    }

    private static void CopyDirectory(string from, string to)
    {
        foreach (var dir in Directory.GetDirectories(from, "*", SearchOption.AllDirectories))
            Directory.CreateDirectory(Path.Combine(to, Path.GetRelativePath(from, dir)));
        foreach (var file in Directory.GetFiles(from, "*", SearchOption.AllDirectories))
            File.Copy(file, Path.Combine(to, Path.GetRelativePath(from, file)));
    }
}

/// <summary>Writes a golden case (used once per case, see <see cref="GoldenFormatTests"/>) and dumps a store's entries.</summary>
internal static class GoldenWriter
{
    /// <summary>A fixed time well in the past, so cold recompression applies and nothing depends on today.</summary>
    private const long Base = 1_700_000_000_000_000_000;

    public static async Task WriteAsync(string name, string caseDir)
    {
        var data = Path.Combine(caseDir, "data");
        Directory.CreateDirectory(data);
        var codec = name switch
        {
            "v1/snappy" => ChunkCodec.Snappy,
            "v1/lz4" => ChunkCodec.Lz4,
            "v1/none" => ChunkCodec.None,
            _ => ChunkCodec.Zstd,
        };
        var options = new LogStoreOptions { Directory = data, BackgroundFlush = false, Codec = codec, BlockSize = 2048, ChunkTargetSize = 8192 };
        await using (var store = await LogStore.OpenAsync(options, NullLogger.Instance))
        {
            await store.PushAsync("tenant-a", Streams(0, 300), default);
            await store.PushAsync("tenant-b", Streams(1000, 120), default);
            await store.FlushAsync(force: true);
            if (name is "v1/cold-v2-chunks" or "v1/chunk-v3-cold")
            {
                var recompressed = await store.RecompressAsync(long.MaxValue);
                if (recompressed.ChunksRecompressed == 0)
                    throw new InvalidOperationException("no chunk was recompressed");
            }
            if (name == "v1/zstd-wal-checkpoint")
            {
                // Enough to cut chunks by size, so a regular flush writes a block and a checkpoint holding what stays in
                // memory (sealed blocks and the open block); then more that only the newest segment holds.
                await store.PushAsync("tenant-a", Streams(5000, 1500), default);
                await store.FlushAsync(force: false);
                await store.PushAsync("tenant-c", Streams(9000, 25), default);
            }
        }
        await using (var reopened = await LogStore.OpenAsync(options with { Directory = data }, NullLogger.Instance))
            await File.WriteAllLinesAsync(Path.Combine(caseDir, "expected.jsonl"), Dump(reopened));
        await File.WriteAllTextAsync(Path.Combine(caseDir, "README.md"),
            $"Golden data directory `{name}`, written by Sawmill's format version 1 writers (chunks: version {ChunkFormat.Version}) on {DateTime.UtcNow:yyyy-MM-dd}. " +
            "Never regenerate it: tests/Sawmill.Storage.Tests/Golden/GoldenFormatTests.cs checks that every version reads it.\n");
    }

    /// <summary>
    /// Streams with every kind of entry the formats must carry: JSON, logfmt and plain lines, unicode, multi-line and
    /// empty lines, long numbers (the cold number column), duplicate timestamps, out-of-order entries and structured metadata.
    /// </summary>
    private static List<PushStream> Streams(int seed, int perStream)
    {
        var streams = new List<PushStream>();
        string[] apps = ["api", "worker", "web"];
        for (var s = 0; s < apps.Length; s++)
        {
            var entries = new List<PushEntry>();
            for (var i = 0; i < perStream; i++)
            {
                var n = seed + i;
                var ts = Base + (long)n * TimeNs.PerSecond + s * 1000 + (i % 7 == 3 ? -5 * TimeNs.PerSecond : 0);
                var line = (n % 9) switch
                {
                    0 => $"{{\"level\":\"ERROR\",\"msg\":\"request failed\",\"request_id\":\"r-{n:x8}\",\"latency_ms\":{n % 1000}}}",
                    1 => $"level=info msg=\"user {n} logged in\" took={n % 50}ms trace_id={n * 7919L:x}",
                    2 => $"block blk_{1_000_000_000_000L + n * 104_729L} replicated to 10.0.{n % 255}.{n % 7} in {n % 300} ms",
                    3 => $"Größe überschritten – {n} ✓ 日本語",
                    4 => $"panic: boom {n}\n\tat frame one\n\tat frame two",
                    5 => "",
                    6 => $"\u001b[31mred {n}\u001b[0m",
                    _ => $"epoch {1_700_000_000_000L + n} ms, id {9_000_000_000_000_000_000L - n}",
                };
                Label[]? metadata = n % 5 == 0 ? [new Label("trace_id", $"t{n}"), new Label("user", $"u{n % 3}")] : null;
                entries.Add(new PushEntry(ts, Encoding.UTF8.GetBytes(line), metadata));
                if (n % 11 == 0)
                    entries.Add(new PushEntry(ts, Encoding.UTF8.GetBytes(line + " (same time, other line)")));
            }
            streams.Add(new PushStream(Labels.From(("app", apps[s]), ("env", seed % 2 == 0 ? "prod" : "dev")), entries));
        }
        return streams;
    }

    /// <summary>Every entry of every tenant (that <paramref name="filter"/> accepts), one JSON line each, in a stable order.</summary>
    public static List<string> Dump(LogStore store, ILineFilter? filter = null, IReadOnlyList<ImpliedCondition>? implied = null)
    {
        var lines = new List<string>();
        foreach (var tenant in store.Tenants().Order(StringComparer.Ordinal))
        {
            var iterators = store.Select(new SelectRequest
            {
                Tenant = tenant,
                Matchers = [LabelMatcher.Create(MatchType.Regex, "app", ".+")],
                StartNs = 0,
                EndNs = long.MaxValue,
                LineFilter = filter,
                Implied = implied ?? [],
            }, default);
            foreach (var it in iterators.OrderBy(i => i.Labels))
            {
                using (it)
                {
                    while (it.Next())
                    {
                        var md = it.Metadata.ToArray().Select(l => new[] { l.Name, l.Value }).ToArray();
                        lines.Add(JsonSerializer.Serialize(new object[] { tenant, it.Labels.ToString(), it.TimestampNs, Encoding.UTF8.GetString(it.Line), md }));
                    }
                }
            }
        }
        return lines;
    }
}
