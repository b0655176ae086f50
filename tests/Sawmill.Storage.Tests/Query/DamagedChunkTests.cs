using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Sawmill.Core;

namespace Sawmill.Storage.Tests.Query;

/// <summary>
/// Damage in a persisted block is isolated: queries skip the damaged chunk and say so, the store counts it once, and
/// the next compaction moves it out of the block so that later reads are clean.
/// </summary>
public sealed class DamagedChunkTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sawmill-damage-").FullName;
    private const long Base = 1_800_000_000_000_000_000;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private Task<LogStore> Open() =>
        LogStore.OpenAsync(new LogStoreOptions { Directory = _dir, BlockSize = 2048, ChunkTargetSize = 8192, BackgroundFlush = false }, NullLogger.Instance);

    private static (List<long> Timestamps, QueryStatistics Stats) ReadAll(LogStore store)
    {
        var stats = new QueryStatistics();
        var its = store.Select(new SelectRequest
        {
            Tenant = "t",
            Matchers = [LabelMatcher.Create(MatchType.Regex, "app", ".+")],
            StartNs = 0,
            EndNs = long.MaxValue,
            Statistics = stats,
        }, default);
        var ts = new List<long>();
        foreach (var it in its)
            using (it)
                while (it.Next())
                    ts.Add(it.TimestampNs);
        ts.Sort();
        return (ts, stats);
    }

    private async Task<int> WriteAndDamageAsync()
    {
        await using (var store = await Open())
        {
            var rng = new Random(3);
            foreach (var app in new[] { "api", "web" })
            {
                var entries = Enumerable.Range(0, 3000).Select(i => new PushEntry(Base + i * TimeNs.PerSecond,
                    Encoding.UTF8.GetBytes($"{app} request {i} took {rng.Next(1000)} ms id={rng.NextInt64():x16}"))).ToList();
                await store.PushAsync("t", [new PushStream(Labels.From(("app", app)), entries)], default);
            }
            await store.FlushAsync(force: true);
        }
        // 4 KiB of garbage in the middle of the block's chunks file, as the reproduction does.
        var chunks = Directory.GetFiles(Path.Combine(_dir, "blocks", "t"), "chunks", SearchOption.AllDirectories).Single();
        var bytes = File.ReadAllBytes(chunks);
        new Random(7).NextBytes(bytes.AsSpan(bytes.Length / 2 - 2048, 4096));
        File.WriteAllBytes(chunks, bytes);
        return 6000;
    }

    [Fact]
    public async Task A_query_skips_the_damaged_chunk_and_warns_naming_the_block()
    {
        var total = await WriteAndDamageAsync();
        await using var store = await Open();
        var (ts, stats) = ReadAll(store);
        Assert.InRange(ts.Count, 1, total - 1);
        // The garbage may span a chunk boundary: one warning per damaged chunk, each naming the block.
        Assert.NotEmpty(stats.Warnings);
        var blockId = Path.GetFileName(Directory.GetDirectories(Path.Combine(_dir, "blocks", "t")).Single());
        Assert.All(stats.Warnings, w => Assert.Contains($"damaged chunk of block {blockId}", w));
        Assert.Equal(stats.Warnings.Count, store.Metrics.DamagedChunks);
        // Asking again reads the same, warns again, and does not count the chunks twice.
        var (again, stats2) = ReadAll(store);
        Assert.Equal(ts, again);
        Assert.Equal(stats.Warnings, stats2.Warnings);
        Assert.Equal(stats.Warnings.Count, store.Metrics.DamagedChunks);
    }

    [Fact]
    public async Task Compaction_moves_the_damaged_chunk_aside_and_keeps_the_rest()
    {
        await WriteAndDamageAsync();
        List<long> survivors;
        await using (var store = await Open())
        {
            (survivors, var seen) = ReadAll(store);
            var result = await store.CompactAsync(null);
            Assert.Equal(1, result.BlocksCompacted);
            Assert.Equal(seen.Warnings.Count, store.Metrics.QuarantinedChunks);
            var (after, stats) = ReadAll(store);
            Assert.Equal(survivors, after);
            Assert.Empty(stats.Warnings);
        }
        var damaged = Path.Combine(_dir, "blocks", "t", "damaged");
        Assert.NotEmpty(Directory.GetFiles(damaged, "*.chunk"));
        Assert.All(Directory.GetFiles(damaged, "*.txt"), f => Assert.Contains("moved aside by compaction", File.ReadAllText(f)));
        // The moved-aside chunk is not a block: a reopened store reads the clean block only.
        await using var reopened = await Open();
        var (ts, clean) = ReadAll(reopened);
        Assert.Equal(survivors, ts);
        Assert.Empty(clean.Warnings);
        Assert.Equal(0, reopened.Metrics.CorruptBlocks);
    }

    [Fact]
    public async Task A_merge_finds_damage_no_query_has_seen_and_still_completes()
    {
        await WriteAndDamageAsync();
        await using var store = await Open();
        // A second small block makes the next compaction merge both, reading every chunk of the damaged one.
        await store.PushAsync("t", [new PushStream(Labels.From(("app", "late")), [new PushEntry(Base, "late line"u8.ToArray())])], default);
        await store.FlushAsync(force: true);
        var result = await store.CompactAsync(null);
        Assert.Equal(2, result.BlocksCompacted);
        Assert.True(store.Metrics.QuarantinedChunks > 0);
        var (ts, stats) = ReadAll(store);
        Assert.Empty(stats.Warnings);
        Assert.Contains(Base, ts);
    }
}
