using Sawmill.Testing;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Sawmill.Core;
using Sawmill.Storage.Compaction;

namespace Sawmill.Storage.Tests.Compaction;

public sealed class CompactionTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sawmill-compact-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private Task<LogStore> Open() =>
        LogStore.OpenAsync(new LogStoreOptions { Directory = _dir, BlockSize = 4096, ChunkTargetSize = 8192, BackgroundFlush = false }, NullLogger.Instance);

    private static readonly Labels Api = Labels.From(("app", "api"));
    private static readonly Labels Web = Labels.From(("app", "web"));
    private const long Hour = TimeNs.PerHour;
    private const long Now = 1_800_000_000_000_000_000;

    private static async Task PushHours(LogStore store, Labels labels, int hours, int perHour, string prefix = "line")
    {
        for (var h = 0; h < hours; h++)
        {
            var entries = new List<PushEntry>();
            for (var i = 0; i < perHour; i++)
                entries.Add(new PushEntry(Now - (hours - h) * Hour + i * TimeNs.PerSecond, Encoding.UTF8.GetBytes($"{prefix} {h}/{i} secret={(i % 10 == 0 ? "yes" : "no")} padding padding padding")));
            await store.PushAsync("t", [new PushStream(labels, entries)], default);
        }
    }

    private static List<(long, string)> Read(LogStore store, Labels labels)
    {
        var its = store.Select(new SelectRequest { Tenant = "t", Matchers = [LabelMatcher.Equal("app", labels.Get("app")!)], StartNs = 0, EndNs = long.MaxValue }, default);
        var result = new List<(long, string)>();
        foreach (var it in its)
            using (it)
                while (it.Next())
                    result.Add((it.TimestampNs, Encoding.UTF8.GetString(it.Line)));
        return result;
    }

    private long BlockBytesOnDisk() =>
        Directory.EnumerateFiles(Path.Combine(_dir, "blocks"), "*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length);

    [Fact]
    public async Task Retention_removes_expired_entries_from_disk_and_keeps_the_rest()
    {
        await using var store = await Open();
        await PushHours(store, Api, 10, 200);
        await store.FlushAsync(force: true);
        var before = BlockBytesOnDisk();
        var all = Read(store, Api);
        var result = await store.CompactAsync(new PeriodRetentionPolicy(TimeSpan.FromHours(4), now: () => Now));
        Assert.Equal(6 * 200, result.EntriesRemoved);
        Assert.True(result.BytesReclaimed > 0);
        Assert.True(BlockBytesOnDisk() < before * 0.6, $"{BlockBytesOnDisk()} vs {before}");
        Assert.Equal(all.Where(e => e.Item1 >= Now - 4 * Hour).ToList(), Read(store, Api));
        await store.DisposeAsync();
        await using var reopened = await Open();
        Assert.Equal(4 * 200, Read(reopened, Api).Count);
    }

    [Fact]
    public async Task A_whole_expired_block_is_deleted()
    {
        await using var store = await Open();
        await PushHours(store, Api, 3, 50);
        await store.FlushAsync(force: true);
        var result = await store.CompactAsync(new PeriodRetentionPolicy(TimeSpan.FromMinutes(1), now: () => Now + Hour));
        Assert.Equal(0, result.BlocksWritten);
        Assert.Equal(1, result.BlocksCompacted);
        Assert.Empty(Read(store, Api));
        Assert.Empty(Directory.GetDirectories(Path.Combine(_dir, "blocks", "t")));
    }

    [Fact]
    public async Task A_line_filter_delete_removes_only_matching_lines_of_matching_streams()
    {
        await using var store = await Open();
        await PushHours(store, Api, 2, 100);
        await PushHours(store, Web, 2, 100);
        await store.FlushAsync(force: true);
        var policy = new DeletePolicy(Api, "secret=yes");
        var result = await store.CompactAsync(policy);
        Assert.Equal(20, result.EntriesRemoved);
        Assert.DoesNotContain(Read(store, Api), e => e.Item2.Contains("secret=yes"));
        Assert.Equal(180, Read(store, Api).Count);
        Assert.Equal(200, Read(store, Web).Count);
    }

    [Fact]
    public async Task Small_blocks_are_merged_and_every_entry_is_kept()
    {
        await using var store = await Open();
        for (var i = 0; i < 3; i++)
        {
            await PushHours(store, Api, 1, 100, prefix: "round" + i);
            await store.FlushAsync(force: true);
        }
        Assert.Equal(3, store.Metrics.Blocks);
        var all = Read(store, Api);
        var result = await store.CompactAsync(null);
        Assert.Equal(3, result.BlocksCompacted);
        Assert.Equal(1, result.BlocksWritten);
        Assert.Equal(1, store.Metrics.Blocks);
        Assert.Equal(all, Read(store, Api));
    }

    [Fact]
    public async Task Inputs_left_behind_by_an_interrupted_compaction_are_removed_on_open()
    {
        await using (var store = await Open())
        {
            for (var i = 0; i < 2; i++)
            {
                await PushHours(store, Api, 1, 100, prefix: "round" + i);
                await store.FlushAsync(force: true);
            }
        }
        var tenantDir = Path.Combine(_dir, "blocks", "t");
        var saved = Path.Combine(_dir, "saved");
        Directory.CreateDirectory(saved);
        foreach (var d in Directory.GetDirectories(tenantDir))
            CopyDir(d, Path.Combine(saved, Path.GetFileName(d)));
        await using (var store = await Open())
            await store.CompactAsync(null);
        // Put the inputs back, as if the process died after the output's rename but before the inputs' removal.
        foreach (var d in Directory.GetDirectories(saved))
            CopyDir(d, Path.Combine(tenantDir, Path.GetFileName(d)));
        Assert.Equal(3, Directory.GetDirectories(tenantDir).Length);
        await using var reopened = await Open();
        Assert.Equal(1, reopened.Metrics.Blocks);
        Assert.Equal(200, Read(reopened, Api).Count);
    }

    private static void CopyDir(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var f in Directory.GetFiles(from))
            File.Copy(f, Path.Combine(to, Path.GetFileName(f)));
    }

    private sealed class DeletePolicy(Labels stream, string needle) : IRetentionPolicy
    {
        private readonly byte[] _needle = Encoding.UTF8.GetBytes(needle);
        public long Cutoff(string tenant, Labels s) => long.MinValue;
        public bool MayDelete(string tenant, Labels s, long minT, long maxT) => s.Equals(stream);
        public bool IsDeleted(string tenant, Labels s, long timestampNs, ReadOnlySpan<byte> line) => s.Equals(stream) && line.IndexOf(_needle) >= 0;
    }
}
