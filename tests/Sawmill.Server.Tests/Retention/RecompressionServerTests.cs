using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Sawmill.Core;
using Sawmill.Storage;
using Sawmill.Testing;
using Xunit.Abstractions;

namespace Sawmill.Server.Tests.Retention;

/// <summary>
/// The compactor's cold recompression (<c>compactor.recompress_after</c>) in a real server: old blocks are rewritten
/// smaller, queries return the same lines, the metrics count the bytes, and a server killed while a rewrite is in flight
/// loses nothing and leaves no half-written block.
/// </summary>
public sealed class RecompressionServerTests(ITestOutputHelper output)
{
    private const int Waves = 4;
    private const int PerWave = 6000;

    /// <summary>
    /// Writes <see cref="Waves"/> flushed blocks of app="svc" entries 48 h old (so older than any recompress_after
    /// below) straight into a data directory, and returns every line.
    /// </summary>
    private static async Task<HashSet<string>> SeedAsync(string dataDir)
    {
        var lines = new HashSet<string>(StringComparer.Ordinal);
        var start = TimeNs.Now() - 48 * TimeNs.PerHour;
        var rnd = new Random(17);
        await using var store = await LogStore.OpenAsync(new LogStoreOptions { Directory = dataDir, BackgroundFlush = false, CompactionSmallBlockBytes = 0 }, NullLogger.Instance);
        for (var wave = 0; wave < Waves; wave++)
        {
            var entries = new List<PushEntry>();
            for (var i = 0; i < PerWave; i++)
            {
                var n = wave * PerWave + i;
                var line = $"level=info msg=\"request served\" n={n} path=/api/v1/orders/{rnd.Next(1000)} took={rnd.Next(500)}ms id={rnd.NextInt64():x16}";
                lines.Add(line);
                entries.Add(new PushEntry(start + n * TimeNs.PerMillisecond, Encoding.UTF8.GetBytes(line)));
            }
            await store.PushAsync("fake", [new PushStream(Labels.From(("app", "svc")), entries)], default);
            await store.FlushAsync(force: true);
        }
        return lines;
    }

    private static async Task<List<string>> LinesOnDiskAsync(string dataDir)
    {
        await using var store = await LogStore.OpenAsync(new LogStoreOptions { Directory = dataDir, BackgroundFlush = false }, NullLogger.Instance);
        var lines = new List<string>();
        foreach (var it in store.Select(new SelectRequest { Tenant = "fake", Matchers = [LabelMatcher.Equal("app", "svc")], StartNs = 0, EndNs = long.MaxValue }, default))
            using (it)
                while (it.Next())
                    lines.Add(Encoding.UTF8.GetString(it.Line));
        return lines;
    }

    private static List<string> BlockDirs(string dataDir)
    {
        var dir = Path.Combine(dataDir, "blocks", "fake");
        return Directory.Exists(dir) ? Directory.GetDirectories(dir).ToList() : [];
    }

    private static bool Recompressed(string blockDir)
    {
        try
        {
            return JsonDocument.Parse(File.ReadAllBytes(Path.Combine(blockDir, "meta.json"))).RootElement.TryGetProperty("recompressed", out var p) && p.GetBoolean();
        }
        catch (IOException)
        {
            return false; // the compactor moved the directory away meanwhile
        }
    }

    private static long Bytes(string dataDir) =>
        new DirectoryInfo(Path.Combine(dataDir, "blocks", "fake")).EnumerateFiles("*", SearchOption.AllDirectories).Sum(f => f.Length);

    private const string Config = """
        compactor:
          compaction_interval: 1s
          recompress_after: 1h
          recompress_level: 19
        """;

    [Theory]
    [InlineData("compactor:\n  recompress_level: 23", "config key compactor.recompress_level: \"23\" is not a zstd level; use 1 to 22")]
    [InlineData("compactor:\n  recompress_level: 0", "is not a zstd level")]
    [InlineData("compactor:\n  recompress_after: later", "config key compactor.recompress_after: \"later\" is not a duration")]
    public void Bad_recompression_settings_name_the_key_and_what_is_allowed(string yaml, string expected)
    {
        var e = Assert.Throws<Sawmill.Server.Config.ConfigException>(() => Sawmill.Server.Config.ConfigLoader.Load(yaml, expandEnv: false));
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Recompression_is_on_after_2h_at_level_19_by_default_and_0_turns_it_off()
    {
        var c = Sawmill.Server.Config.ConfigLoader.Load("", expandEnv: false);
        Assert.Equal(TimeSpan.FromHours(2), c.RecompressAfter);
        Assert.Equal(19, c.RecompressLevel);
        Assert.Equal(TimeSpan.Zero, Sawmill.Server.Config.ConfigLoader.Load("compactor:\n  recompress_after: 0\n", expandEnv: false).RecompressAfter);
    }

    [Fact]
    public async Task Old_blocks_are_recompressed_once_and_queries_return_the_same_lines()
    {
        var dataDir = Directory.CreateTempSubdirectory("sawmill-recompress-").FullName;
        try
        {
            var lines = await SeedAsync(dataDir);
            var before = Bytes(dataDir);
            await using var server = await SawmillProcess.StartAsync(["-config.file=" + Client.WriteConfig(Config)], dataDir: dataDir);
            var http = server.CreateClient();
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
            while (!(BlockDirs(dataDir) is { Count: > 0 } dirs && dirs.All(d => !d.EndsWith(".tmp", StringComparison.Ordinal) && File.Exists(Path.Combine(d, "meta.json")) && Recompressed(d))))
            {
                Assert.True(DateTime.UtcNow < deadline, "timed out waiting for every block to be recompressed");
                await Task.Delay(200);
            }
            var after = Bytes(dataDir);
            output.WriteLine($"blocks on disk {before} → {after} bytes");
            Assert.True(after < before * 0.9, $"{before} → {after}");
            var metricBefore = await Client.MetricAsync(http, "sawmill_compactor_recompressed_bytes_total{stage=\"before\"}");
            var metricAfter = await Client.MetricAsync(http, "sawmill_compactor_recompressed_bytes_total{stage=\"after\"}");
            Assert.True(metricBefore > metricAfter && metricAfter > 0, $"before {metricBefore}, after {metricAfter}");
            var (_, config) = await Client.GetTextAsync(http, "/config");
            Assert.Contains("recompress_after: 1h", config, StringComparison.Ordinal);
            Assert.Contains("recompress_level: 19", config, StringComparison.Ordinal);

            var start = TimeNs.Now() - 49 * TimeNs.PerHour;
            var served = await Client.QueryLinesAsync(http, "{app=\"svc\"} |= \"n=1234 \"", start, TimeNs.Now(), limit: 100);
            Assert.Equal(lines.Single(l => l.Contains("n=1234 ", StringComparison.Ordinal)), Assert.Single(served).Line);
            await server.StopAsync();

            var onDisk = await LinesOnDiskAsync(dataDir);
            Assert.Equal(lines.Count, onDisk.Count);
            Assert.True(lines.SetEquals(onDisk));
        }
        finally
        {
            Directory.Delete(dataDir, recursive: true);
        }
    }

    [Fact]
    public async Task A_server_killed_during_recompression_loses_nothing_and_leaves_no_half_block()
    {
        var dataDir = Directory.CreateTempSubdirectory("sawmill-recompress-kill-").FullName;
        try
        {
            var lines = await SeedAsync(dataDir);
            var config = Client.WriteConfig(Config);
            var caught = 0;
            for (var attempt = 0; attempt < 4; attempt++)
            {
                await using var server = await SawmillProcess.StartAsync(["-config.file=" + config], dataDir: dataDir);
                var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(5);
                var inFlight = false;
                while (DateTime.UtcNow < deadline && !inFlight)
                {
                    inFlight = BlockDirs(dataDir).Any(d => d.EndsWith(".tmp", StringComparison.Ordinal) || d.EndsWith(".deleting", StringComparison.Ordinal));
                    if (!inFlight)
                        await Task.Delay(1);
                }
                server.Kill();
                if (inFlight)
                    caught++;
                // Every state a kill leaves opens to exactly the seeded lines.
                var onDisk = await LinesOnDiskAsync(dataDir);
                Assert.Equal(lines.Count, onDisk.Count);
                Assert.True(lines.SetEquals(onDisk), $"attempt {attempt}: the lines on disk differ from the seeded ones");
            }
            output.WriteLine($"{caught} of 4 kills landed while a recompression had a block in flight");

            // A last run finishes the work; no .tmp or .deleting directory is left.
            await using (var server = await SawmillProcess.StartAsync(["-config.file=" + config], dataDir: dataDir))
            {
                var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
                while (!BlockDirs(dataDir).All(d => !d.EndsWith(".tmp", StringComparison.Ordinal) && !d.EndsWith(".deleting", StringComparison.Ordinal) && Recompressed(d)))
                {
                    Assert.True(DateTime.UtcNow < deadline, "timed out waiting for every block to be recompressed");
                    await Task.Delay(200);
                }
                await server.StopAsync();
            }
            Assert.DoesNotContain(BlockDirs(dataDir), d => d.EndsWith(".tmp", StringComparison.Ordinal) || d.EndsWith(".deleting", StringComparison.Ordinal));
            var final = await LinesOnDiskAsync(dataDir);
            Assert.Equal(lines.Count, final.Count);
            Assert.True(lines.SetEquals(final));
        }
        finally
        {
            Directory.Delete(dataDir, recursive: true);
        }
    }
}
