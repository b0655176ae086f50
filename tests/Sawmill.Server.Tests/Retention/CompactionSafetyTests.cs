using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Sawmill.Core;
using Sawmill.Storage;
using Sawmill.Storage.Compaction;
using Sawmill.Testing;
using Xunit.Abstractions;

namespace Sawmill.Server.Tests.Retention;

/// <summary>
/// Retention runs of the compactor that are killed part-way (SIGKILL of a real server, and every on-disk state a kill
/// can leave, built deterministically) lose nothing that must be kept and never show a half-written block; retention
/// of one tenant never touches another's data.
/// </summary>
public sealed class CompactionSafetyTests(ITestOutputHelper output)
{
    private const int KeptPerTenant = 3000;
    private const int ExpiredPerTenant = 6000;

    private static readonly string[] Tenants = ["short", "long"];

    private static LogStoreOptions StoreOptions(string dir) => new() { Directory = dir, BackgroundFlush = false, CompactionSmallBlockBytes = 0 };

    /// <summary>
    /// Writes, per tenant, expired entries (48 h old) and kept entries (the last minutes) of app="svc", in several
    /// flushed blocks. Returns the kept lines per tenant.
    /// </summary>
    private static async Task<Dictionary<string, HashSet<string>>> SeedAsync(string dataDir)
    {
        var kept = Tenants.ToDictionary(t => t, _ => new HashSet<string>(StringComparer.Ordinal));
        var now = TimeNs.Now();
        var rnd = new Random(11);
        await using var store = await LogStore.OpenAsync(StoreOptions(dataDir), NullLogger.Instance);
        const int waves = 3;
        for (var wave = 0; wave < waves; wave++)
        {
            foreach (var tenant in Tenants)
            {
                var old = new List<PushEntry>();
                var recent = new List<PushEntry>();
                for (var i = 0; i < ExpiredPerTenant / waves; i++)
                {
                    var n = wave * (ExpiredPerTenant / waves) + i;
                    old.Add(new PushEntry(now - 48 * TimeNs.PerHour + n * TimeNs.PerMillisecond, Encoding.UTF8.GetBytes($"expired {tenant} {n} {rnd.NextInt64():x16}{rnd.NextInt64():x16}")));
                }
                for (var i = 0; i < KeptPerTenant / waves; i++)
                {
                    var n = wave * (KeptPerTenant / waves) + i;
                    var line = $"kept {tenant} {n} {rnd.NextInt64():x16}{rnd.NextInt64():x16}";
                    kept[tenant].Add(line);
                    recent.Add(new PushEntry(now - 10 * TimeNs.PerMinute + n * TimeNs.PerMillisecond, Encoding.UTF8.GetBytes(line)));
                }
                await store.PushAsync(tenant, [new PushStream(Labels.From(("app", "svc"), ("age", "old")), old), new PushStream(Labels.From(("app", "svc"), ("age", "new")), recent)], default);
            }
            await store.FlushAsync(force: true);
        }
        return kept;
    }

    /// <summary>All lines of a tenant as the store holds them on disk (no query-time retention).</summary>
    private static async Task<List<string>> LinesOnDiskAsync(string dataDir, string tenant)
    {
        await using var store = await LogStore.OpenAsync(StoreOptions(dataDir), NullLogger.Instance);
        var lines = new List<string>();
        foreach (var it in store.Select(new SelectRequest { Tenant = tenant, Matchers = [LabelMatcher.Equal("app", "svc")], StartNs = 0, EndNs = long.MaxValue }, default))
            using (it)
                while (it.Next())
                    lines.Add(Encoding.UTF8.GetString(it.Line));
        return lines;
    }

    private static List<string> BlockDirs(string dataDir, string tenant)
    {
        var dir = Path.Combine(dataDir, "blocks", tenant);
        return Directory.Exists(dir) ? Directory.GetDirectories(dir).Select(d => Path.GetFileName(d)).Order(StringComparer.Ordinal).ToList() : [];
    }

    private static long Bytes(string dir) =>
        Directory.Exists(dir) ? new DirectoryInfo(dir).EnumerateFiles("*", SearchOption.AllDirectories).Sum(f => f.Length) : 0;

    private static void CopyDirectory(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var f in Directory.GetFiles(from))
            File.Copy(f, Path.Combine(to, Path.GetFileName(f)));
        foreach (var d in Directory.GetDirectories(from))
            CopyDirectory(d, Path.Combine(to, Path.GetFileName(d)));
    }

    private static void AssertExactlyKept(IReadOnlySet<string> expected, List<string> actual, string state)
    {
        Assert.True(actual.Count == actual.Distinct(StringComparer.Ordinal).Count(), $"{state}: duplicated entries");
        var keptOnDisk = actual.Where(l => l.StartsWith("kept ", StringComparison.Ordinal)).ToHashSet(StringComparer.Ordinal);
        Assert.True(keptOnDisk.SetEquals(expected), $"{state}: {expected.Count - keptOnDisk.Intersect(expected).Count()} kept entries lost, {keptOnDisk.Except(expected).Count()} unexpected");
    }

    [Fact]
    public async Task Every_state_an_interrupted_retention_run_leaves_opens_without_loss_or_half_blocks()
    {
        var root = Directory.CreateTempSubdirectory("sawmill-compact-states-").FullName;
        try
        {
            var before = Path.Combine(root, "before");
            var kept = await SeedAsync(before);
            var after = Path.Combine(root, "after");
            CopyDirectory(before, after);
            await using (var store = await LogStore.OpenAsync(StoreOptions(after), NullLogger.Instance))
            {
                var result = await store.CompactAsync(new PeriodRetentionPolicy(TimeSpan.FromHours(24)));
                Assert.Equal(2L * ExpiredPerTenant, result.EntriesRemoved);
            }
            const string tenant = "short";
            var inputs = BlockDirs(before, tenant);
            var outputs = BlockDirs(after, tenant);
            Assert.True(inputs.Count >= 3, $"seeding made {inputs.Count} blocks");
            var output = Assert.Single(outputs.Except(inputs));

            // A. Killed while writing the new block: a .tmp directory with a truncated chunks file.
            var a = Path.Combine(root, "a");
            CopyDirectory(before, a);
            CopyDirectory(Path.Combine(after, "blocks", tenant, output), Path.Combine(a, "blocks", tenant, output + ".tmp"));
            var chunks = Path.Combine(a, "blocks", tenant, output + ".tmp", "chunks");
            using (var f = new FileStream(chunks, FileMode.Open))
                f.SetLength(f.Length / 2);
            File.Delete(Path.Combine(a, "blocks", tenant, output + ".tmp", "meta.json"));
            // B. Killed after the rename, before any input was removed: output and all inputs visible.
            var b = Path.Combine(root, "b");
            CopyDirectory(before, b);
            CopyDirectory(Path.Combine(after, "blocks", tenant, output), Path.Combine(b, "blocks", tenant, output));
            // C. Killed while removing the inputs: one input renamed to .deleting, one still in place.
            var c = Path.Combine(root, "c");
            CopyDirectory(b, c);
            Directory.Move(Path.Combine(c, "blocks", tenant, inputs[0]), Path.Combine(c, "blocks", tenant, inputs[0] + ".deleting"));
            Directory.Delete(Path.Combine(c, "blocks", tenant, inputs[1]), recursive: true);

            foreach (var (state, dir) in new[] { ("killed mid-write", a), ("killed after rename", b), ("killed mid-removal", c) })
            {
                var lines = await LinesOnDiskAsync(dir, tenant);
                AssertExactlyKept(kept[tenant], lines, state);
                // No partial block remains, and the other tenant is exactly as seeded.
                Assert.DoesNotContain(BlockDirs(dir, tenant), d => d.EndsWith(".tmp", StringComparison.Ordinal) || d.EndsWith(".deleting", StringComparison.Ordinal));
                AssertExactlyKept(kept["long"], await LinesOnDiskAsync(dir, "long"), state + " (other tenant)");
                // A rerun of the retention finishes the job: only the kept entries remain.
                await using (var store = await LogStore.OpenAsync(StoreOptions(dir), NullLogger.Instance))
                    await store.CompactAsync(new PeriodRetentionPolicy(TimeSpan.FromHours(24)));
                var final = await LinesOnDiskAsync(dir, tenant);
                AssertExactlyKept(kept[tenant], final, state + " then rerun");
                Assert.Equal(KeptPerTenant, final.Count);
            }
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public async Task A_server_killed_during_retention_runs_loses_nothing_and_each_tenant_keeps_its_own_retention()
    {
        var dataDir = Directory.CreateTempSubdirectory("sawmill-compact-kill-").FullName;
        try
        {
            var kept = await SeedAsync(dataDir);
            var tenantBytesBefore = Tenants.ToDictionary(t => t, t => Bytes(Path.Combine(dataDir, "blocks", t)));
            // Tenant "short" keeps 24 h, "long" keeps 7 days (its 48 h old entries must survive every run).
            var overrides = Client.WriteConfig("overrides:\n  short:\n    retention_period: 24h\n  long:\n    retention_period: 168h\n");
            var config = Client.WriteConfig($"""
                auth_enabled: true
                runtime_config:
                  file: {overrides}
                compactor:
                  compaction_interval: 1s
                  retention_enabled: true
                limits_config:
                  retention_period: 24h
                """);

            // Kill the server repeatedly, as soon as a retention run has a block in flight (or after a few seconds).
            var caught = 0;
            for (var attempt = 0; attempt < 4; attempt++)
            {
                await using var server = await SawmillProcess.StartAsync(["-config.file=" + config], dataDir: dataDir);
                var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(5);
                var inFlight = false;
                while (DateTime.UtcNow < deadline && !inFlight)
                {
                    inFlight = Tenants.Any(t => BlockDirs(dataDir, t).Any(d => d.EndsWith(".tmp", StringComparison.Ordinal) || d.EndsWith(".deleting", StringComparison.Ordinal)));
                    if (!inFlight)
                        await Task.Delay(1);
                }
                server.Kill();
                if (inFlight)
                    caught++;
            }
            output.WriteLine($"{caught} of 4 kills landed while a compaction had a block in flight");

            // Restart, let a run finish, and check what is on disk without the server's query-time filtering.
            await using (var server = await SawmillProcess.StartAsync(["-config.file=" + config], dataDir: dataDir))
            {
                var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
                while (!server.Output.Contains("compaction done", StringComparison.Ordinal) && Bytes(Path.Combine(dataDir, "blocks", "short")) >= tenantBytesBefore["short"] / 2 && DateTime.UtcNow < deadline)
                    await Task.Delay(200);
                // One more complete run after that: nothing is left to do then, whatever the first one caught.
                var http = server.CreateClient("long");
                const string successfulRuns = "sawmill_compactor_runs_total{status=\"success\"}";
                var runs = await Client.MetricAsync(http, successfulRuns);
                while (await Client.MetricAsync(http, successfulRuns) < runs + 1)
                {
                    Assert.True(DateTime.UtcNow < deadline + TimeSpan.FromSeconds(60), "the compactor did not complete another run\n" + server.Output);
                    await Task.Delay(200);
                }
                var oldLines = await Client.QueryLinesAsync(http, "{app=\"svc\", age=\"old\"}", TimeNs.Now() - 49 * TimeNs.PerHour, TimeNs.Now() - 40 * TimeNs.PerHour, limit: 10);
                Assert.Equal(10, oldLines.Count);
                await server.StopAsync();
            }
            var shortLines = await LinesOnDiskAsync(dataDir, "short");
            AssertExactlyKept(kept["short"], shortLines, "tenant short after kills");
            Assert.Equal(KeptPerTenant, shortLines.Count); // the expired entries are gone from disk
            var longLines = await LinesOnDiskAsync(dataDir, "long");
            AssertExactlyKept(kept["long"], longLines, "tenant long after kills");
            Assert.Equal(KeptPerTenant + ExpiredPerTenant, longLines.Count); // its 7-day retention kept the 48 h old entries
            foreach (var t in Tenants)
                Assert.DoesNotContain(BlockDirs(dataDir, t), d => d.EndsWith(".tmp", StringComparison.Ordinal) || d.EndsWith(".deleting", StringComparison.Ordinal));
            var shortAfter = Bytes(Path.Combine(dataDir, "blocks", "short"));
            Assert.True(shortAfter < tenantBytesBefore["short"] / 2, $"tenant short: {tenantBytesBefore["short"]} → {shortAfter} bytes");
        }
        finally
        {
            Directory.Delete(dataDir, recursive: true);
        }
    }
}
