using System.Diagnostics;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Sawmill.Core;
using Sawmill.Storage;
using Sawmill.Storage.Chunks;
using Sawmill.Testing;

namespace Sawmill.Benchmarks.Storage;

/// <summary>
/// End-to-end storage figures for issue 2, in process against a real <see cref="LogStore"/> on disk:
/// <c>dotnet run -c Release --project bench/Sawmill.Benchmarks -- storage-figures [MiB=1024] [dir]</c>.
/// Prints compression ratios (loghub per system, generated mix), push throughput with the WAL on (4 writers,
/// 1,000 lines per push, 100 streams) and peak RSS, WAL replay time, needle scan and timestamp-count rates.
/// </summary>
internal static class StorageFigures
{
    public static async Task RunAsync(string[] args)
    {
        var mib = args.Length > 0 ? int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture) : 1024;
        var dir = args.Length > 1 ? args[1] : Path.Combine(Path.GetTempPath(), "sawmill-figures-" + Environment.ProcessId);
        if (Directory.Exists(dir))
            Directory.Delete(dir, recursive: true);
        Directory.CreateDirectory(dir);
        try
        {
            Ratios();
            await PushReplayAndScanAsync(dir, (long)mib * 1024 * 1024);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    public static void Ratios()
    {
        Console.WriteLine("== compressed size / raw line bytes (zstd, 256 KiB blocks, with token filter) ==");
        var loghub = "/work/shared/data/loghub";
        if (Directory.Exists(loghub))
        {
            foreach (var file in Directory.GetFiles(loghub, "*_2k.log").OrderBy(f => f))
            {
                var lines = File.ReadAllLines(file).Select(Encoding.UTF8.GetBytes).ToList();
                Console.WriteLine($"{Path.GetFileName(file),-22} {Ratio(lines, ChunkCodec.Zstd),7:P1}   (snappy {Ratio(lines, ChunkCodec.Snappy):P1}, lz4 {Ratio(lines, ChunkCodec.Lz4):P1})");
            }
        }
        var gen = new LogGenerator(42);
        var mix = new List<byte[]>();
        for (var i = 0; i < 50_000; i++)
            mix.Add(gen.NextLine());
        Console.WriteLine($"{"generated mix (50k)",-22} {Ratio(mix, ChunkCodec.Zstd),7:P1}   (snappy {Ratio(mix, ChunkCodec.Snappy):P1}, lz4 {Ratio(mix, ChunkCodec.Lz4):P1})");
    }

    /// <summary>Stored chunk bytes (blocks + header + token filter) over raw line bytes, as one stream.</summary>
    private static double Ratio(List<byte[]> lines, ChunkCodec codec)
    {
        var raw = new RawBlock();
        var blocks = new List<EncodedBlock>();
        var trigrams = new List<int[]>();
        long rawBytes = 0, stored = 0;
        var ts = 1L;
        void Seal()
        {
            if (raw.Count == 0)
                return;
            blocks.Add(BlockFormat.Encode(raw, codec));
            trigrams.Add(TrigramSet.Collect(raw));
            raw.Clear();
        }
        void Cut()
        {
            Seal();
            if (blocks.Count == 0)
                return;
            var chunk = new Chunk([.. blocks], TrigramBloom.Build(TrigramSet.Union(trigrams), blocks.Sum(b => (long)b.Bytes.Length)), codec);
            stored += ChunkFormat.HeaderSize(chunk.Blocks.Length, chunk.Filter?.Words.Length ?? 0) + chunk.StoredBytes;
            blocks.Clear();
            trigrams.Clear();
        }
        long open = 0;
        foreach (var line in lines)
        {
            raw.TryAppend(ts++, line, null);
            rawBytes += line.Length;
            if (raw.DataLength >= 262_144)
            {
                Seal();
                open = blocks.Sum(b => (long)b.Bytes.Length);
                if (open >= 1_572_864)
                    Cut();
            }
        }
        Cut();
        return (double)stored / rawBytes;
    }

    /// <summary>
    /// The worst case of a restart: <paramref name="targetBytes"/> of lines pushed with flushing off, so every entry is
    /// in the WAL (no checkpoint, no block), then the store is closed like a crash and reopened:
    /// <c>storage-figures wal-replay [MiB=1024] [dir]</c>.
    /// </summary>
    public static async Task WalReplayAsync(string[] args)
    {
        var mib = args.Length > 0 ? int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture) : 1024;
        var dir = args.Length > 1 ? args[1] : Path.Combine(Path.GetTempPath(), "sawmill-replay-" + Environment.ProcessId);
        if (Directory.Exists(dir))
            Directory.Delete(dir, recursive: true);
        try
        {
            var options = new LogStoreOptions { Directory = dir, BackgroundFlush = false };
            var store = await LogStore.OpenAsync(options, NullLogger.Instance);
            await PushAsync(store, (long)mib * 1024 * 1024);
            await store.DisposeAsync();
            var wal = Directory.GetFiles(Path.Combine(dir, "wal")).Sum(f => new FileInfo(f).Length);
            var sw = Stopwatch.StartNew();
            store = await LogStore.OpenAsync(options, NullLogger.Instance);
            var seconds = sw.Elapsed.TotalSeconds;
            Console.WriteLine($"reopen with {wal / (double)(1 << 30):F2} GiB of WAL ({store.Metrics.Entries:N0} entries, no checkpoint, no block): ready in {seconds:F2} s, {wal / seconds / (1 << 20):N0} MiB/s, RSS {Process.GetCurrentProcess().WorkingSet64 / (1 << 20):N0} MiB");
            await store.DisposeAsync();
        }
        finally
        {
            if (Directory.Exists(dir))
                Directory.Delete(dir, recursive: true);
        }
    }

    private static async Task PushReplayAndScanAsync(string dir, long targetBytes)
    {
        var options = new LogStoreOptions { Directory = dir, FlushCheckPeriod = TimeSpan.FromSeconds(5) };
        var store = await LogStore.OpenAsync(options, NullLogger.Instance);
        await PushAsync(store, targetBytes);
        var sw = Stopwatch.StartNew();
        // Half of the data flushed into blocks, the rest in the head, as the issue's "head and flushed".
        await store.FlushAsync(force: false);
        Console.WriteLine($"after flush: blocks {store.Metrics.Blocks}, block bytes {store.Metrics.BlockBytes / (1 << 20):N0} MiB, WAL on disk {store.Metrics.WalDiskBytes / (1 << 20):N0} MiB");
        await store.DisposeAsync();

        sw.Restart();
        store = await LogStore.OpenAsync(options with { BackgroundFlush = false }, NullLogger.Instance);
        Console.WriteLine($"reopen (blocks + checkpoint + WAL replay): {sw.Elapsed.TotalSeconds:F2} s, {store.Metrics.Entries:N0} entries replayed");
        await store.FlushAsync(force: false);

        for (var round = 0; round < 2; round++)
        {
            var rare = Scan(store, new Contains("needle-that-is-absent"u8.ToArray(), skip: true), EntryFields.Lines, out var rareStats, out var rareSeconds);
            Console.WriteLine($"needle |= (token filter may skip): {rare} matches, {(rareStats.DecompressedBytes + rareStats.HeadBytes + SkippedRaw(rareStats, store)) / rareSeconds / (1 << 30):F2} GiB/s of raw lines (chunks skipped {rareStats.ChunksSkipped}, touched {rareStats.ChunksTouched}), {rareSeconds:F2} s");
            var full = Scan(store, new Contains("needle-that-is-absent"u8.ToArray(), skip: false), EntryFields.Lines, out var fullStats, out var fullSeconds);
            var fullBytes = fullStats.DecompressedBytes + fullStats.HeadBytes;
            Console.WriteLine($"needle |= (no skipping: decompress + IndexOf every line): {full} matches, {fullBytes / fullSeconds / (1 << 30):F2} GiB/s of raw lines, {fullSeconds:F2} s");
            var count = Scan(store, null, EntryFields.Timestamps, out _, out var countSeconds);
            Console.WriteLine($"count (timestamps only): {count:N0} entries, {count / countSeconds / 1e6:F1} M entries/s, {countSeconds:F2} s");
        }
        await store.DisposeAsync();
    }

    /// <summary>Pushes about <paramref name="targetBytes"/> of generated lines with 4 writers × 1,000 lines over 100 streams and prints the rate.</summary>
    private static async Task PushAsync(LogStore store, long targetBytes)
    {
        var streams = LogGenerator.StreamLabels(100);
        const int writers = 4, perPush = 1000;
        // Pre-generate a pool of batches so generation does not count against the store.
        var pool = new List<List<PushStream>>();
        var gen = new LogGenerator(7);
        long poolBytes = 0;
        for (var b = 0; b < 64; b++)
        {
            var batch = new Dictionary<Labels, List<PushEntry>>();
            for (var i = 0; i < perPush; i++)
            {
                var labels = streams[(b * perPush + i) % streams.Length];
                if (!batch.TryGetValue(labels, out var list))
                    batch[labels] = list = [];
                var line = gen.NextLine();
                poolBytes += line.Length;
                list.Add(new PushEntry(0, line));
            }
            pool.Add(batch.Select(kv => new PushStream(kv.Key, kv.Value)).ToList());
        }
        var avgLine = (double)poolBytes / (64 * perPush);
        var batches = (long)(targetBytes / (avgLine * perPush));
        Console.WriteLine($"== push: {batches * perPush:N0} lines (~{targetBytes / (1 << 20)} MiB raw, avg {avgLine:F0} B/line), {writers} writers × {perPush} lines, {streams.Length} streams, WAL fsync per group commit ==");

        long next = -1;
        long clock = 1_700_000_000_000_000_000;
        long peakRss = 0;
        using var rssTimer = new Timer(_ => peakRss = Math.Max(peakRss, Process.GetCurrentProcess().WorkingSet64), null, 0, 200);
        var sw = Stopwatch.StartNew();
        var tasks = Enumerable.Range(0, writers).Select(_ => Task.Run(async () =>
        {
            while (true)
            {
                var n = Interlocked.Increment(ref next);
                if (n >= batches)
                    return;
                var template = pool[(int)(n % pool.Count)];
                var baseTs = Interlocked.Add(ref clock, perPush * TimeNs.PerMillisecond);
                var batch = new List<PushStream>(template.Count);
                var k = 0;
                foreach (var s in template)
                {
                    var entries = new List<PushEntry>(s.Entries.Count);
                    foreach (var e in s.Entries)
                        entries.Add(new PushEntry(baseTs + k++ * TimeNs.PerMillisecond, e.Line));
                    batch.Add(new PushStream(s.Labels, entries));
                }
                await store.PushAsync("fake", batch, default);
            }
        })).ToArray();
        await Task.WhenAll(tasks);
        var pushSeconds = sw.Elapsed.TotalSeconds;
        Console.WriteLine($"push: {batches * perPush / pushSeconds:N0} lines/s, {batches * perPush * avgLine / pushSeconds / (1 << 20):N0} MiB/s, peak RSS {peakRss / (1 << 20):N0} MiB, fsyncs {store.Metrics.WalSyncs:N0}");
    }

    private static long _lastRawTotal;

    /// <summary>Raw bytes of the data set (what a skipping scan is credited with), from the first full scan.</summary>
    private static long SkippedRaw(QueryStatistics s, LogStore store) => Math.Max(0, _lastRawTotal - s.DecompressedBytes - s.HeadBytes);

    /// <summary>Reads every stream on two threads (streams split between them); returns the entries seen.</summary>
    private static long Scan(LogStore store, ILineFilter? filter, EntryFields fields, out QueryStatistics stats, out double seconds)
    {
        var st = new QueryStatistics();
        var sw = Stopwatch.StartNew();
        var its = store.Select(new SelectRequest
        {
            Tenant = "fake",
            Matchers = [LabelMatcher.Create(MatchType.Regex, "app", ".+")],
            StartNs = 0,
            EndNs = long.MaxValue,
            Fields = fields,
            LineFilter = filter,
            Statistics = st,
        }, default);
        long total = 0;
        Parallel.ForEach(its, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, it =>
        {
            long n = 0;
            using (it)
                while (it.Next())
                    n++;
            Interlocked.Add(ref total, n);
        });
        seconds = sw.Elapsed.TotalSeconds;
        stats = st;
        if (filter is Contains { Skip: false })
            _lastRawTotal = st.DecompressedBytes + st.HeadBytes;
        return total;
    }

    private sealed class Contains(byte[] needle, bool skip) : ILineFilter
    {
        public bool Skip => skip;
        public bool Matches(ReadOnlySpan<byte> line) => line.IndexOf(needle) >= 0;
        public IReadOnlyList<byte[]> RequiredSubstrings => skip ? [needle] : [];
    }
}
