using System.Buffers.Binary;
using System.Diagnostics;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Sawmill.Core;
using Sawmill.Storage;
using Sawmill.Storage.Chunks;
using Sawmill.Storage.Compaction;
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

    /// <summary>
    /// <c>storage-figures ratios</c>: per loghub system and for the generated mix, stored bytes over raw line bytes as a
    /// flush writes them (zstd 3, 256 KiB blocks, flush-layout token filter) and after the compactor's cold
    /// recompression (zstd 19, 1 MiB blocks, compact filter, implicit line lengths), each with its parts: compressed
    /// lines, timestamp/length columns, block headers and checksums, chunk headers with block tables, token filter.
    /// Chunks are built with the store's own code (<see cref="ChunkBuilder"/>, <see cref="ChunkRecompressor"/>) and cut
    /// as a head cuts them (1.5 MB of compressed blocks); each input is one stream with timestamps 1 ns apart.
    /// </summary>
    public static void Ratios()
    {
        var sets = DataSets();
        Console.WriteLine("== stored bytes / raw line bytes, and the parts of it (percent of raw line bytes) ==");
        Console.WriteLine($"{"",-20} {"flush",7} {"cold",7} | {"cold:",5} {"lines",6} {"cols",5} {"blkhdr",6} {"chkhdr",6} {"filter",6} | {"flush:",6} {"lines",6} {"cols",5} {"blkhdr",6} {"chkhdr",6} {"filter",6}");
        double worstLoghub = 0;
        foreach (var (name, lines) in sets)
        {
            var flush = FlushChunks(lines);
            var cold = flush.Select(c => ChunkRecompressor.Recompress(c, new RecompressionSettings())).ToList();
            var raw = (double)lines.Sum(l => (long)l.Length);
            var f = Parts(flush);
            var c = Parts(cold);
            if (name != "generated mix")
                worstLoghub = Math.Max(worstLoghub, c.Total / raw);
            Console.WriteLine($"{name,-20} {f.Total / raw,7:P1} {c.Total / raw,7:P1} | {"",5} {c.Lines / raw * 100,6:F2} {c.Columns / raw * 100,5:F2} {c.BlockHeaders / raw * 100,6:F2} {c.ChunkHeaders / raw * 100,6:F2} {c.Filter / raw * 100,6:F2} | {"",6} {f.Lines / raw * 100,6:F2} {f.Columns / raw * 100,5:F2} {f.BlockHeaders / raw * 100,6:F2} {f.ChunkHeaders / raw * 100,6:F2} {f.Filter / raw * 100,6:F2}");
        }
        Console.WriteLine($"worst loghub system after recompression: {worstLoghub:P1}");
        // The rows above use timestamps 1 ns apart (a nearly free column). Real timestamps are not: the generator's own
        // advance 1–2 ms with nanosecond jitter, about 20 bits of entropy per entry that no codec removes.
        var mixLines = sets[^1].Lines;
        var gen = new LogGenerator(42);
        var realTs = mixLines.Select(_ => gen.NextTimestamp()).ToList();
        var flushReal = FlushChunks(mixLines, ChunkCodec.Zstd, realTs);
        var coldReal = flushReal.Select(c => ChunkRecompressor.Recompress(c, new RecompressionSettings())).ToList();
        var mixRaw = (double)mixLines.Sum(l => (long)l.Length);
        var fr = Parts(flushReal);
        var cr = Parts(coldReal);
        Console.WriteLine($"{"mix, ns timestamps",-20} {fr.Total / mixRaw,7:P1} {cr.Total / mixRaw,7:P1} | {"",5} {cr.Lines / mixRaw * 100,6:F2} {cr.Columns / mixRaw * 100,5:F2} {cr.BlockHeaders / mixRaw * 100,6:F2} {cr.ChunkHeaders / mixRaw * 100,6:F2} {cr.Filter / mixRaw * 100,6:F2} | {"",6} {fr.Lines / mixRaw * 100,6:F2} {fr.Columns / mixRaw * 100,5:F2} {fr.BlockHeaders / mixRaw * 100,6:F2} {fr.ChunkHeaders / mixRaw * 100,6:F2} {fr.Filter / mixRaw * 100,6:F2}   (entries 1–2 ms apart with ns jitter)");
        Console.WriteLine("other flush codecs (whole chunk, percent of raw): " + string.Join(", ", sets.Select(s => $"{s.Name.Replace("_2k.log", "", StringComparison.Ordinal)} snappy {Parts(FlushChunks(s.Lines, ChunkCodec.Snappy)).Total / (double)s.Lines.Sum(l => (long)l.Length):P0} lz4 {Parts(FlushChunks(s.Lines, ChunkCodec.Lz4)).Total / (double)s.Lines.Sum(l => (long)l.Length):P0}")));
    }

    /// <summary>
    /// <c>storage-figures cold [MiB=256] [dir]</c>: pushes generated lines (100 streams), flushes everything, measures the
    /// needle scan (token filter skipping and not), the timestamp-only count and the lengths-only scan, then runs the
    /// compactor's cold recompression and measures the same queries again on the recompressed blocks.
    /// </summary>
    public static async Task ColdAsync(string[] args)
    {
        var mib = args.Length > 0 ? int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture) : 256;
        var dir = args.Length > 1 ? args[1] : Path.Combine(Path.GetTempPath(), "sawmill-cold-" + Environment.ProcessId);
        if (Directory.Exists(dir))
            Directory.Delete(dir, recursive: true);
        try
        {
            var options = new LogStoreOptions { Directory = dir, BackgroundFlush = false };
            await using var store = await LogStore.OpenAsync(options, NullLogger.Instance);
            await PushAsync(store, (long)mib * 1024 * 1024);
            await store.FlushAsync(force: true);
            Console.WriteLine($"flushed: {store.Metrics.BlockBytes / (double)(1 << 20):F1} MiB of blocks for {store.Metrics.Bytes / (double)(1 << 20):F1} MiB of raw lines ({store.Metrics.BlockBytes / (double)store.Metrics.Bytes:P1})");
            ScanFigures(store, "flushed (zstd 3) ");
            var sw = Stopwatch.StartNew();
            var result = await store.RecompressAsync(long.MaxValue);
            Console.WriteLine($"recompressed {result.ChunksRecompressed} chunks in {sw.Elapsed.TotalSeconds:F1} s ({result.RawBytes / sw.Elapsed.TotalSeconds / 1e6:F1} MB/s of raw lines, one thread): {result.BytesBefore / (double)(1 << 20):F1} → {result.BytesAfter / (double)(1 << 20):F1} MiB ({result.BytesAfter / (double)store.Metrics.Bytes:P1} of raw)");
            ScanFigures(store, "cold (zstd 19)    ");
        }
        finally
        {
            if (Directory.Exists(dir))
                Directory.Delete(dir, recursive: true);
        }
    }

    private static void ScanFigures(LogStore store, string label)
    {
        for (var round = 0; round < 2; round++)
        {
            Scan(store, new Contains("needle-that-is-absent"u8.ToArray(), skip: false), EntryFields.Lines, out var full, out var fullSeconds);
            var raw = full.DecompressedBytes + full.HeadBytes;
            Scan(store, new Contains("needle-that-is-absent"u8.ToArray(), skip: true), EntryFields.Lines, out var skip, out var skipSeconds);
            var count = Scan(store, null, EntryFields.Timestamps, out _, out var countSeconds);
            Scan(store, null, EntryFields.LineLengths, out _, out var lengthSeconds);
            Console.WriteLine($"{label} round {round + 1}: needle with filter {raw / skipSeconds / (1 << 30),6:F2} GiB/s (chunks skipped {skip.ChunksSkipped}, read {skip.ChunksTouched}); needle decompressing all {raw / fullSeconds / (1 << 30),5:F2} GiB/s; count {count / countSeconds / 1e6,6:F1} M entries/s; lengths (bytes_over_time) {count / lengthSeconds / 1e6,6:F1} M entries/s");
        }
    }

    /// <summary>
    /// <c>storage-figures levels</c>: cold recompression at zstd 9, 15 and 19 with 256 KiB and 1 MiB blocks on the
    /// loghub systems that are hardest to compress and the generated mix: ratio, compression speed (the compactor's
    /// cost, one core) and decompression speed (what a query pays; lines and timestamps-only).
    /// </summary>
    public static void Levels()
    {
        var sets = DataSets().Where(s => s.Name is "BGL_2k.log" or "HDFS_2k.log" or "HPC_2k.log" or "Mac_2k.log" or "generated mix").ToList();
        Console.WriteLine("== cold recompression: level × block size → ratio, compress MB/s (1 core), decompress MB/s lines / timestamps only ==");
        foreach (var (name, lines) in sets)
        {
            var raw = lines.Sum(l => (long)l.Length);
            var flush = FlushChunks(lines);
            Console.WriteLine($"{name}: flush (zstd 3, 256 KiB) {Parts(flush).Total / (double)raw:P1}");
            foreach (var level in new[] { 9, 15, 19 })
            {
                foreach (var blockSize in new[] { 256 << 10, 1 << 20 })
                {
                    var settings = new RecompressionSettings { ZstdLevel = level, BlockSize = blockSize };
                    ChunkRecompressor.Recompress(flush[0], settings); // warm up the level's compressor
                    var sw = Stopwatch.StartNew();
                    var cold = flush.Select(c => ChunkRecompressor.Recompress(c, settings)).ToList();
                    var compress = raw / sw.Elapsed.TotalSeconds / 1e6;
                    var decodeLines = DecodeRate(cold, raw, lines: true);
                    var decodeTs = DecodeRate(cold, raw, lines: false);
                    Console.WriteLine($"  zstd {level,2} {blockSize >> 10,5} KiB blocks: {Parts(cold).Total / (double)raw,6:P1}   compress {compress,6:F1} MB/s   decompress {decodeLines,6:F0} MB/s lines, {decodeTs,6:F0} MB/s timestamps only");
                }
            }
        }
        Compression.ReleaseThreadCompressors();
    }

    private static List<(string Name, List<byte[]> Lines)> DataSets()
    {
        var sets = new List<(string, List<byte[]>)>();
        foreach (var (system, lines) in Loghub.All())
            sets.Add((system + "_2k.log", lines.Select(Encoding.UTF8.GetBytes).ToList()));
        var gen = new LogGenerator(42);
        var mix = new List<byte[]>();
        for (var i = 0; i < 50_000; i++)
            mix.Add(gen.NextLine());
        sets.Add(("generated mix", mix));
        return sets;
    }

    /// <summary>Raw line bytes decoded per second over all blocks of <paramref name="chunks"/> (best of a few rounds).</summary>
    private static double DecodeRate(List<Chunk> chunks, long raw, bool lines)
    {
        using var d = new DecodedBlock();
        var best = double.MaxValue;
        for (var round = 0; round < 5; round++)
        {
            var sw = Stopwatch.StartNew();
            foreach (var c in chunks)
                foreach (var b in c.Blocks)
                    BlockFormat.Decode(b, lines, metadata: false, d, lengths: false);
            best = Math.Min(best, sw.Elapsed.TotalSeconds);
        }
        return raw / best / 1e6;
    }

    /// <summary>The chunks a head cuts from <paramref name="lines"/> as one stream: 256 KiB blocks, cut at 1.5 MB stored.</summary>
    private static List<Chunk> FlushChunks(List<byte[]> lines, ChunkCodec codec = ChunkCodec.Zstd, List<long>? timestamps = null)
    {
        var chunks = new List<Chunk>();
        var builder = ChunkBuilder.Flush(codec, 262_144);
        for (var i = 0; i < lines.Count; i++)
        {
            builder.Append(timestamps?[i] ?? i + 1L, lines[i], null);
            if (builder.SealedBytes >= 1_572_864)
            {
                chunks.Add(builder.Build()!);
                builder = ChunkBuilder.Flush(codec, 262_144);
            }
        }
        if (builder.Build() is { } last)
            chunks.Add(last);
        return chunks;
    }

    /// <summary>Stored bytes of <paramref name="chunks"/> split into their parts (docs/format/chunk.md).</summary>
    private static (long Total, long Lines, long Columns, long BlockHeaders, long ChunkHeaders, long Filter) Parts(List<Chunk> chunks)
    {
        long lines = 0, columns = 0, blockHeaders = 0, chunkHeaders = 0, filter = 0;
        foreach (var c in chunks)
        {
            var filters = (c.Filter?.Words.Length ?? 0) * 8L + c.Blocks.Sum(b => (long)(b.TokenFilter?.Length ?? 0));
            filter += filters;
            chunkHeaders += ChunkFormat.HeaderSize(c) - filters;
            foreach (var b in c.Blocks)
            {
                var s = b.Bytes.Span;
                var linesStored = BinaryPrimitives.ReadUInt32LittleEndian(s[20..]);
                var metaStored = BinaryPrimitives.ReadUInt32LittleEndian(s[12..]);
                long cols = (s[29] & BlockFormat.FlagColumnsCompressed) != 0
                    ? 4 + BinaryPrimitives.ReadUInt32LittleEndian(s[32..])
                    : BinaryPrimitives.ReadUInt32LittleEndian(s[4..]) + BinaryPrimitives.ReadUInt32LittleEndian(s[8..]);
                lines += linesStored + metaStored;
                columns += cols;
                blockHeaders += s.Length - cols - linesStored - metaStored;
            }
        }
        return (lines + columns + blockHeaders + chunkHeaders + filter, lines, columns, blockHeaders, chunkHeaders, filter);
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
