using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Sawmill.Core;

namespace Sawmill.Storage.Tests.Query;

/// <summary>
/// Reads that skip what they cannot need: blocks whose token filters rule out a search, chunks whose trigram filters
/// do, lines that cannot satisfy an implied condition, and the lines of blocks a timestamp-only read never decompresses.
/// Every test compares what the store returns with a scan of everything pushed.
/// </summary>
public sealed class BlockSearchTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sawmill-search-").FullName;
    private const long Base = 1_800_000_000_000_000_000;
    private static readonly Labels Json = Labels.From(("app", "api"), ("format", "json"));
    private static readonly Labels Plain = Labels.From(("app", "web"), ("format", "plain"));

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private Task<LogStore> Open() =>
        LogStore.OpenAsync(new LogStoreOptions { Directory = _dir, BlockSize = 4096, ChunkTargetSize = 16384, BackgroundFlush = false }, NullLogger.Instance);

    private sealed record Entry(Labels Stream, long Ts, string Line, Label[]? Metadata);

    /// <summary>JSON lines with a UUID each (some with structured metadata, some escaped), plain lines with words.</summary>
    private static List<Entry> Data()
    {
        var rnd = new Random(5);
        var list = new List<Entry>();
        for (var i = 0; i < 3000; i++)
        {
            var id = new Guid(Enumerable.Range(0, 16).Select(_ => (byte)rnd.Next(256)).ToArray()).ToString();
            var line = i % 500 == 7
                ? $"{{\"request_id\":\"{id.Replace("-", "\\u002d", StringComparison.Ordinal)}\",\"n\":{i}}}"
                : $"{{\"request_id\":\"{id}\",\"n\":{i},\"msg\":\"request {(i % 3 == 0 ? "completed" : "served")}\"}}";
            Label[]? md = i % 700 == 11 ? [new Label("request_id", "from-metadata")] : null;
            list.Add(new Entry(Json, Base + i * TimeNs.PerSecond, line, md));
            list.Add(new Entry(Plain, Base + i * TimeNs.PerSecond + 1, $"worker {i % 7} flushed queue {rnd.Next(100_000):D6} in {rnd.Next(900)} ms", null));
        }
        return list;
    }

    private async Task<(LogStore Store, List<Entry> Data)> StoreWithData(bool flush = true)
    {
        var data = Data();
        var store = await Open();
        foreach (var group in data.GroupBy(e => e.Stream))
            await store.PushAsync("t", [new PushStream(group.Key, group.Select(e => new PushEntry(e.Ts, Encoding.UTF8.GetBytes(e.Line), e.Metadata)).ToList())], default);
        if (flush)
            await store.FlushAsync(force: true);
        return (store, data);
    }

    private static (List<string> Lines, QueryStatistics Stats) Read(LogStore store, ILineFilter? filter = null, IReadOnlyList<ImpliedCondition>? implied = null, EntryFields fields = EntryFields.All)
    {
        var stats = new QueryStatistics();
        var its = store.Select(new SelectRequest
        {
            Tenant = "t",
            Matchers = [LabelMatcher.Create(MatchType.Regex, "app", ".+")],
            StartNs = 0,
            EndNs = long.MaxValue,
            LineFilter = filter,
            Implied = implied ?? [],
            Fields = fields,
            Statistics = stats,
        }, default);
        var lines = new List<string>();
        foreach (var it in its)
            using (it)
                while (it.Next())
                    lines.Add(fields.HasFlag(EntryFields.Lines) ? Encoding.UTF8.GetString(it.Line) : it.TimestampNs.ToString(System.Globalization.CultureInfo.InvariantCulture));
        lines.Sort(StringComparer.Ordinal);
        return (lines, stats);
    }

    private static List<string> Sorted(IEnumerable<string> lines) => [.. lines.Order(StringComparer.Ordinal)];

    private sealed class Contains(string needle) : ILineFilter
    {
        private readonly byte[] _bytes = Encoding.UTF8.GetBytes(needle);

        public bool Matches(ReadOnlySpan<byte> line) => line.IndexOf(_bytes) >= 0;

        public IReadOnlyList<byte[]> RequiredSubstrings => [_bytes];
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_search_for_one_id_reads_only_the_block_that_holds_it(bool flush)
    {
        var (store, data) = await StoreWithData(flush);
        await using var _ = store;
        var target = data[1234 * 2].Line;
        var id = target[15..51];
        var (lines, stats) = Read(store, new Contains(id));
        Assert.Equal([target], lines);
        var blocks = store.Stats("t", [LabelMatcher.Create(MatchType.Regex, "app", ".+")], 0, long.MaxValue, default);
        // One 4 KiB block of the JSON stream holds ~30 lines; a false positive may add another block or two.
        Assert.InRange(stats.DecompressedLines + stats.HeadLines, 1, 200);
        Assert.True(blocks.Entries > 5000);
    }

    [Fact]
    public async Task Substring_searches_find_what_a_scan_finds()
    {
        var (store, data) = await StoreWithData();
        await using var _ = store;
        var rnd = new Random(9);
        var needles = new List<string> { "completed", "flushed queue 0", "request_id\":\"", "\\u002d", "no such text" };
        for (var i = 0; i < 40; i++)
        {
            var line = data[rnd.Next(data.Count)].Line;
            var from = rnd.Next(line.Length);
            needles.Add(line.Substring(from, rnd.Next(1, Math.Min(40, line.Length - from) + 1)));
        }
        foreach (var needle in needles)
            Assert.Equal(Sorted(data.Where(e => e.Line.Contains(needle, StringComparison.Ordinal)).Select(e => e.Line)), Read(store, new Contains(needle)).Lines);
    }

    /// <summary>What `| json | request_id="X"` implies: the JSON line holds X (or an escape), or metadata may supply it.</summary>
    private static ImpliedCondition JsonValue(string value, string label = "request_id") => new()
    {
        Label = label,
        JsonObject = true,
        Text = Encoding.UTF8.GetBytes(value),
        TextBounded = true,
        EscapesPass = true,
    };

    private static bool Satisfies(Entry e, ImpliedCondition c)
    {
        if (c.Label != null && (e.Stream.Get(c.Label) != null || e.Metadata?.Any(l => l.Name == c.Label) == true))
            return true;
        if (c.JsonObject && !e.Line.TrimStart().StartsWith('{'))
            return false;
        return c.Text == null || e.Line.Contains(Encoding.UTF8.GetString(c.Text), StringComparison.Ordinal) || c.EscapesPass && e.Line.Contains('\\', StringComparison.Ordinal);
    }

    [Fact]
    public async Task Implied_conditions_keep_every_entry_that_may_satisfy_them_and_skip_blocks_that_cannot()
    {
        var (store, data) = await StoreWithData();
        await using var _ = store;
        var present = data[600 * 2].Line[15..51];
        foreach (var condition in new[]
        {
            JsonValue(present),
            JsonValue("00000000-0000-4000-8000-000000000000"),
            JsonValue("from-metadata"),
            // Metadata with another name does not supply the label.
            JsonValue("00000000-0000-4000-8000-000000000000", "user"),
            new ImpliedCondition { JsonObject = true, Label = "request_id" },
            new ImpliedCondition { Label = "format", Text = "zzz"u8.ToArray() },
        })
        {
            var (lines, stats) = Read(store, implied: [condition]);
            Assert.Equal(Sorted(data.Where(e => Satisfies(e, condition)).Select(e => e.Line)), lines);
            if (condition.Text?.Length == 36 && condition.Label == "request_id")
            {
                // Only blocks holding the id, an escape or metadata are read (~13 of ~150 JSON blocks, plus false positives).
                Assert.True(stats.DecompressedLines < 1500, $"{stats.DecompressedLines} lines read for {Encoding.UTF8.GetString(condition.Text)}");
            }
        }
        // A condition for streams without the label holds for none of them here: nothing is filtered.
        Assert.Equal(data.Count, Read(store, implied: [new ImpliedCondition { Label = "app", Text = "zzz"u8.ToArray() }]).Lines.Count);
    }

    [Fact]
    public async Task The_json_condition_skips_blocks_of_streams_that_hold_no_json()
    {
        var (store, data) = await StoreWithData();
        await using var _ = store;
        var (lines, stats) = Read(store, implied: [new ImpliedCondition { JsonObject = true }]);
        Assert.Equal(data.Count / 2, lines.Count);
        Assert.InRange(stats.DecompressedLines, data.Count / 2, data.Count / 2);
    }

    [Fact]
    public async Task Timestamp_and_length_reads_read_block_prefixes_only()
    {
        var (store, data) = await StoreWithData();
        await using var _ = store;
        var full = Read(store);
        var timestamps = Read(store, fields: EntryFields.Timestamps);
        Assert.Equal(data.Count, timestamps.Lines.Count);
        Assert.Equal(0, timestamps.Stats.DecompressedBytes);
        // Prefixes (block header and columns) are a small part of what a full read reads.
        Assert.True(timestamps.Stats.CompressedBytes * 5 < full.Stats.CompressedBytes, $"{timestamps.Stats.CompressedBytes} vs {full.Stats.CompressedBytes}");
        var lengths = Read(store, fields: EntryFields.LineLengths);
        Assert.Equal(data.Count, lengths.Lines.Count);
        Assert.True(lengths.Stats.CompressedBytes * 5 < full.Stats.CompressedBytes);
    }

    [Fact]
    public async Task A_damaged_block_prefix_is_reported_and_skipped()
    {
        await using (var store = (await StoreWithData()).Store)
        {
        }
        var chunks = Directory.GetFiles(Path.Combine(_dir, "blocks", "t"), "chunks", SearchOption.AllDirectories).Single();
        var bytes = File.ReadAllBytes(chunks);
        // The file's first chunk: its block table starts at byte 48, the first block's offset at byte 24 of its entry.
        var offset = BitConverter.ToInt32(bytes, 48 + 24);
        bytes[offset + 40] ^= 0xFF;
        File.WriteAllBytes(chunks, bytes);
        await using var reopened = await Open();
        var (lines, stats) = Read(reopened, fields: EntryFields.Timestamps);
        Assert.NotEmpty(stats.Warnings);
        Assert.True(lines.Count < Data().Count);
        Assert.True(lines.Count > Data().Count / 2);
    }
}
