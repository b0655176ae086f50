using System.Net;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Sawmill.Core;
using Sawmill.Storage;
using Sawmill.Testing;

namespace Sawmill.Server.Tests.Retention;

/// <summary>The compactor against a real server: retention and deletes leave the disk, not just the query results.</summary>
public sealed class CompactorTests
{
    private const string FastFlushAndCompaction = """
        ingester:
          chunk_idle_period: 1s
          flush_check_period: 1s
        compactor:
          compaction_interval: 1s
          retention_enabled: true
          delete_request_cancel_period: 1s
        """;

    private static long BlockBytes(string dataDir)
    {
        var dir = Path.Combine(dataDir, "blocks", "fake");
        return Directory.Exists(dir) ? new DirectoryInfo(dir).EnumerateFiles("*", SearchOption.AllDirectories).Sum(f => f.Length) : 0;
    }

    private static async Task Until(Func<Task<bool>> condition, string what, int seconds = 30)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
                Assert.Fail("timed out waiting for " + what);
            await Task.Delay(250);
        }
    }

    [Fact]
    public async Task Retention_removes_expired_entries_from_disk_and_the_bytes_go_down()
    {
        var dataDir = Directory.CreateTempSubdirectory("sawmill-retention-").FullName;
        try
        {
            var now = TimeNs.Now();
            var old = now - 48 * TimeNs.PerHour;
            long before;
            // 1. Without retention the old data is flushed and stays.
            await using (var server = await SawmillProcess.StartAsync(["-config.file=" + Client.WriteConfig("ingester:\n  chunk_idle_period: 1s\n  flush_check_period: 1s\n")], dataDir: dataDir))
            {
                var http = server.CreateClient();
                var rnd = new Random(5);
                for (var batch = 0; batch < 5; batch++)
                {
                    var values = Enumerable.Range(0, 1000).Select(i => (old + (batch * 1000 + i) * TimeNs.PerMillisecond, $"expired {batch}-{i} {rnd.NextInt64():x16} {rnd.NextInt64():x16}")).ToArray();
                    using var r = await Client.PushJsonAsync(http, Client.Body(Client.Stream("{\"app\":\"old\"}", values)));
                    Assert.Equal(HttpStatusCode.NoContent, r.StatusCode);
                }
                using (var r = await Client.PushJsonAsync(http, Client.Body(Client.Stream("{\"app\":\"new\"}", (now - 1000, "kept")))))
                    Assert.Equal(HttpStatusCode.NoContent, r.StatusCode);
                await Until(async () => await Client.MetricAsync(http, "sawmill_ingester_chunks_flushed_total") >= 2, "both streams to be flushed");
                before = BlockBytes(dataDir);
                Assert.True(before > 100_000, $"the old entries never reached disk ({before} bytes)");
                await server.StopAsync();
            }

            // 2. With a 24h retention the compactor removes them from disk.
            await using var retained = await SawmillProcess.StartAsync(["-config.file=" + Client.WriteConfig(FastFlushAndCompaction + "\nlimits_config:\n  retention_period: 24h\n")], dataDir: dataDir);
            var h = retained.CreateClient();
            Assert.Empty(await Client.QueryLinesAsync(h, "{app=\"old\"}", old - 1, old + TimeNs.PerMinute)); // hidden at once
            await Until(async () => await Client.MetricAsync(h, "sawmill_compactor_entries_removed_total") >= 5000, "the compactor to remove the 5,000 expired entries");
            var after = BlockBytes(dataDir);
            Assert.True(after < before / 4, $"block bytes {before} → {after}: not reclaimed");
            Assert.True(await Client.MetricAsync(h, "sawmill_compactor_bytes_reclaimed_total") > 0);
            Assert.Equal("kept", Assert.Single(await Client.QueryLinesAsync(h, "{app=\"new\"}", now - TimeNs.PerMinute, now + 1)).Line);
        }
        finally
        {
            Directory.Delete(dataDir, recursive: true);
        }
    }

    [Fact]
    public async Task A_line_filter_delete_is_processed_and_only_its_lines_leave_the_disk()
    {
        var config = Client.WriteConfig(FastFlushAndCompaction);
        var dataDir = Directory.CreateTempSubdirectory("sawmill-compactor-").FullName;
        try
        {
            var now = TimeNs.Now();
            var values = Enumerable.Range(0, 200).Select(i => (now - 60 * TimeNs.PerSecond + i * TimeNs.PerMillisecond, i % 4 == 0 ? $"secret token {i}" : $"ordinary line {i}")).ToArray();
            await using (var server = await SawmillProcess.StartAsync(["-config.file=" + config], dataDir: dataDir))
            {
                var http = server.CreateClient();
                using (var r = await Client.PushJsonAsync(http, Client.Body(Client.Stream("{\"app\":\"del\"}", values))))
                    Assert.Equal(HttpStatusCode.NoContent, r.StatusCode);
                await Until(async () => await Client.MetricAsync(http, "sawmill_ingester_chunks_flushed_total") >= 1, "the chunk to be flushed");
                var query = Uri.EscapeDataString("{app=\"del\"} |= \"secret\"");
                using (var r = await http.PostAsync($"/loki/api/v1/delete?query={query}&start={now / TimeNs.PerSecond - 120}&end={now / TimeNs.PerSecond + 1}", null))
                    Assert.Equal(HttpStatusCode.NoContent, r.StatusCode);
                await Until(async () =>
                {
                    using var list = await Client.GetJsonAsync(http, "/loki/api/v1/delete");
                    return Assert.Single(list.RootElement.EnumerateArray()).GetProperty("status").GetString() == "processed";
                }, "the delete request to be processed");
                Assert.Equal(150, (await Client.QueryLinesAsync(http, "{app=\"del\"}", now - 2 * TimeNs.PerMinute, now + 1)).Count);
                await server.StopAsync();
            }

            // Read the data directory without the server (no query-time filtering): the lines are physically gone.
            await using var store = await LogStore.OpenAsync(new LogStoreOptions { Directory = dataDir, BackgroundFlush = false }, NullLogger.Instance);
            var lines = new List<string>();
            foreach (var it in store.Select(new SelectRequest { Tenant = "fake", Matchers = [LabelMatcher.Equal("app", "del")], StartNs = 0, EndNs = long.MaxValue }, default))
                using (it)
                    while (it.Next())
                        lines.Add(Encoding.UTF8.GetString(it.Line));
            Assert.Equal(150, lines.Count);
            Assert.DoesNotContain(lines, l => l.Contains("secret", StringComparison.Ordinal));
        }
        finally
        {
            Directory.Delete(dataDir, recursive: true);
        }
    }
}
