using System.Buffers.Binary;
using System.Diagnostics;
using System.Text;
using Sawmill.Storage.Chunks;
using Sawmill.Testing;

namespace Sawmill.Benchmarks.Storage;

internal static class ColdExperiment
{
    public static void Run()
    {
        var sets = new List<(string, List<byte[]>)>();
        foreach (var name in new[] { "BGL", "HDFS", "HPC", "Mac", "Linux", "Apache" })
            sets.Add((name, File.ReadAllLines($"/work/shared/data/loghub/{name}_2k.log").Select(Encoding.UTF8.GetBytes).ToList()));
        var gen = new LogGenerator(42);
        var mix = new List<byte[]>();
        for (var i = 0; i < 50_000; i++)
            mix.Add(gen.NextLine());
        sets.Add(("mix", mix));
        foreach (var (name, lines) in sets)
        {
            long raw = lines.Sum(l => (long)l.Length);
            var tri = Trigrams(lines);
            Console.WriteLine($"== {name}: {lines.Count} lines, {raw} raw bytes, {tri} distinct trigrams ({tri * 4 / 8.0 / raw:P2} of raw at 4 bits)");
            foreach (var level in new[] { 3, 9, 15, 19 })
                foreach (var bs in new[] { 262_144, 1 << 20, 4 << 20 })
                {
                    if (bs > 262_144 && raw < 262_144) continue;
                    var sw = Stopwatch.StartNew();
                    var blocks = Encode(lines, bs, level);
                    var cs = sw.Elapsed.TotalSeconds;
                    long linesB = 0, colsB = 0, over = 0;
                    foreach (var b in blocks)
                    {
                        var s = b.Bytes.Span;
                        linesB += BinaryPrimitives.ReadUInt32LittleEndian(s[20..]);
                        var cols = (s[29] & 1) != 0 ? 4 + (long)BinaryPrimitives.ReadUInt32LittleEndian(s[32..]) : BinaryPrimitives.ReadUInt32LittleEndian(s[4..]) + BinaryPrimitives.ReadUInt32LittleEndian(s[8..]);
                        colsB += cols;
                        over += s.Length - cols - BinaryPrimitives.ReadUInt32LittleEndian(s[20..]);
                    }
                    using var d = new DecodedBlock();
                    var reps = Math.Max(1, (int)(20_000_000 / raw));
                    sw.Restart();
                    for (var r = 0; r < reps; r++)
                        foreach (var b in blocks)
                            BlockFormat.Decode(b, true, false, d);
                    var ds = sw.Elapsed.TotalSeconds / reps;
                    sw.Restart();
                    for (var r = 0; r < reps; r++)
                        foreach (var b in blocks)
                            BlockFormat.Decode(b, false, false, d);
                    var ts = sw.Elapsed.TotalSeconds / reps;
                    Console.WriteLine($"  L{level,-2} {bs / 1024,5}K lines {linesB / (double)raw,6:P2} cols {colsB / (double)raw,6:P2} blk-over {over / (double)raw,6:P2} total {(linesB + colsB + over) / (double)raw,6:P2}  comp {raw / cs / 1e6,7:F1} MB/s  decomp {raw / ds / 1e6,7:F0} MB/s  ts-only {raw / ts / 1e6,7:F0} MB/s");
                }
        }
    }

    private static List<EncodedBlock> Encode(List<byte[]> lines, int blockSize, int level)
    {
        var raw = new RawBlock();
        var blocks = new List<EncodedBlock>();
        var ts = 1L;
        foreach (var line in lines)
        {
            raw.TryAppend(ts++, line, null);
            if (raw.DataLength >= blockSize)
            {
                blocks.Add(BlockFormat.Encode(raw, ChunkCodec.Zstd, "x", level));
                raw.Clear();
            }
        }
        if (raw.Count > 0)
            blocks.Add(BlockFormat.Encode(raw, ChunkCodec.Zstd, "x", level));
        return blocks;
    }

    private static int Trigrams(List<byte[]> lines)
    {
        var set = new HashSet<int>();
        foreach (var l in lines)
            for (var i = 2; i < l.Length; i++)
                set.Add((l[i - 2] << 16) | (l[i - 1] << 8) | l[i]);
        return set.Count;
    }
}
