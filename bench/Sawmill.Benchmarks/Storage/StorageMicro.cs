using System.Diagnostics;
using Sawmill.Storage.Chunks;
using Sawmill.Testing;

namespace Sawmill.Benchmarks.Storage;

/// <summary>Quick per-stage timings of the head's block work: <c>-- storage-micro</c>. Single thread.</summary>
internal static class StorageMicro
{
    public static void Run()
    {
        var gen = new LogGenerator(3);
        var lines = Enumerable.Range(0, 20_000).Select(_ => gen.NextLine()).ToList();
        var raw = new RawBlock();
        var blocks = new List<RawBlock>();
        long ts = 0;
        foreach (var l in lines)
        {
            raw.TryAppend(ts++, l, null);
            if (raw.DataLength >= 262_144)
            {
                blocks.Add(raw);
                raw = new RawBlock();
            }
        }
        var bytes = blocks.Sum(b => (long)b.DataLength);
        foreach (var codec in new[] { ChunkCodec.Zstd, ChunkCodec.Snappy, ChunkCodec.Lz4, ChunkCodec.None })
        {
            var sw = Stopwatch.StartNew();
            var encoded = new List<EncodedBlock>();
            for (var r = 0; r < 3; r++)
            {
                encoded.Clear();
                foreach (var b in blocks)
                    encoded.Add(BlockFormat.Encode(b, codec));
            }
            var enc = sw.Elapsed.TotalSeconds / 3;
            sw.Restart();
            using var d = new DecodedBlock();
            for (var r = 0; r < 3; r++)
                foreach (var e in encoded)
                    BlockFormat.Decode(e, true, false, d);
            var dec = sw.Elapsed.TotalSeconds / 3;
            sw.Restart();
            for (var r = 0; r < 3; r++)
                foreach (var e in encoded)
                    BlockFormat.Decode(e, false, false, d);
            var tsOnly = sw.Elapsed.TotalSeconds / 3;
            Console.WriteLine($"{codec,-7} encode {bytes / enc / (1 << 20),7:N0} MiB/s  decode {bytes / dec / (1 << 20),7:N0} MiB/s  timestamps-only {lines.Count / tsOnly / 1e6,6:N1} M entries/s  ratio {(double)encoded.Sum(e => e.Bytes.Length) / bytes:P1}");
        }
        var t = Stopwatch.StartNew();
        for (var r = 0; r < 3; r++)
            foreach (var b in blocks)
                TrigramSet.Collect(b);
        Console.WriteLine($"trigrams {bytes / (t.Elapsed.TotalSeconds / 3) / (1 << 20):N0} MiB/s");
        t.Restart();
        var copy = new RawBlock();
        for (var r = 0; r < 3; r++)
        {
            long x = 0;
            foreach (var l in lines)
            {
                copy.TryAppend(x++, l, null);
                if (copy.DataLength >= 262_144)
                    copy.Clear();
            }
        }
        Console.WriteLine($"raw append {lines.Count / (t.Elapsed.TotalSeconds / 3) / 1e6:N1} M lines/s");
        TokenFilters(blocks, bytes);
    }

    /// <summary>
    /// The per-block token filter (issue 16): collecting a block's token keys, building its filter (both paid once per
    /// sealed block on the push path), the filter's size against the raw lines, and probing a key (paid per block a
    /// search considers).
    /// </summary>
    private static void TokenFilters(List<RawBlock> blocks, long bytes)
    {
        var keys = new KeySet();
        var filters = new List<byte[]>();
        var sw = Stopwatch.StartNew();
        for (var r = 0; r < 3; r++)
            foreach (var b in blocks)
            {
                keys.Clear();
                for (var i = 0; i < b.Count; i++)
                    TokenKeys.AddLine(b.LineAt(i), keys);
            }
        var collect = sw.Elapsed.TotalSeconds / 3;
        long keyCount = 0;
        sw.Restart();
        for (var r = 0; r < 3; r++)
        {
            filters.Clear();
            keyCount = 0;
            foreach (var b in blocks)
            {
                keys.Clear();
                for (var i = 0; i < b.Count; i++)
                    TokenKeys.AddLine(b.LineAt(i), keys);
                keyCount += keys.Count;
                filters.Add(TokenFilter.Build(keys.Keys)!);
            }
        }
        var build = sw.Elapsed.TotalSeconds / 3;
        var probes = 0L;
        var passed = 0L;
        sw.Restart();
        var needle = TokenKeys.Needle("3f6c1d2e-8a4b-4c7d-9e5f-a1b2c3d4e5f6"u8, bounded: true);
        for (var r = 0; r < 20_000 / Math.Max(1, filters.Count); r++)
            foreach (var f in filters)
            {
                probes++;
                if (needle.Any(a => a.All(k => TokenFilter.MayContain(f, k))))
                    passed++;
            }
        var probe = sw.Elapsed.TotalSeconds;
        Console.WriteLine($"token keys {bytes / collect / (1 << 20):N0} MiB/s  keys + filter build {bytes / build / (1 << 20):N0} MiB/s  " +
            $"{keyCount / blocks.Count:N0} keys per 256 KiB block  filter {filters.Sum(f => (long)f.Length) / (double)bytes:P2} of raw  " +
            $"absent-id check {probes / probe / 1e6:N2} M blocks/s, passed {passed} of {probes}");
    }
}
