using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Sawmill.Core;
using Sawmill.Storage;
using Sawmill.Testing;

namespace Sawmill.Server.Tests.Api;

/// <summary>
/// The reproduction against a real server: 4 KiB of garbage in the middle of a flushed chunks file, then a
/// restart. The server starts, metric queries answer 200 with Loki's <c>warnings</c> naming the block, the damage is
/// counted in /metrics, and the next compaction moves the damaged chunk aside so that later answers are clean.
/// </summary>
public sealed class DamagedDataTests
{
    [Fact]
    public async Task A_damaged_chunk_gives_a_warning_not_a_500_and_compaction_moves_it_aside()
    {
        var dataDir = Directory.CreateTempSubdirectory("sawmill-damaged-").FullName;
        try
        {
            var now = TimeNs.Now();
            await using (var store = await LogStore.OpenAsync(new LogStoreOptions { Directory = dataDir, BlockSize = 2048, ChunkTargetSize = 8192, BackgroundFlush = false }, NullLogger.Instance))
            {
                var rng = new Random(5);
                var entries = Enumerable.Range(0, 4000).Select(i => new PushEntry(now - (4000 - i) * TimeNs.PerMillisecond * 100,
                    Encoding.UTF8.GetBytes($"level=info msg=\"request {i}\" id={rng.NextInt64():x16}"))).ToList();
                await store.PushAsync("fake", [new PushStream(Labels.From(("app", "api")), entries)], default);
                await store.FlushAsync(force: true);
            }
            var block = Directory.GetDirectories(Path.Combine(dataDir, "blocks", "fake")).Single();
            var chunks = Path.Combine(block, "chunks");
            var bytes = File.ReadAllBytes(chunks);
            new Random(9).NextBytes(bytes.AsSpan(bytes.Length / 2 - 2048, 4096));
            File.WriteAllBytes(chunks, bytes);

            var config = Client.WriteConfig("compactor:\n  compaction_interval: 1s\n");
            await using var server = await SawmillProcess.StartAsync(["-config.file=" + config], dataDir: dataDir);
            using var http = server.CreateClient();
            var query = new[] { ("query", "sum(count_over_time({app=\"api\"}[10m]))"), ("time", Seconds(now)) };
            var (status, body) = await Client.GetTextAsync(http, "/loki/api/v1/query?" + string.Join('&', query.Select(p => p.Item1 + "=" + Uri.EscapeDataString(p.Item2))));
            Assert.Equal(200, status);
            using (var doc = JsonDocument.Parse(body))
            {
                var warnings = doc.RootElement.GetProperty("warnings").EnumerateArray().Select(w => w.GetString()!).ToList();
                Assert.NotEmpty(warnings);
                Assert.All(warnings, w => Assert.Contains(Path.GetFileName(block), w));
                var count = double.Parse(doc.RootElement.GetProperty("data").GetProperty("result")[0].GetProperty("value")[1].GetString()!, System.Globalization.CultureInfo.InvariantCulture);
                Assert.InRange(count, 1, 3999);
            }
            Assert.True(await Client.MetricAsync(http, "sawmill_store_damaged_chunks_total") > 0);

            // The compactor runs every second: it moves the damaged chunk aside, and answers are clean again.
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (await Client.MetricAsync(http, "sawmill_store_quarantined_chunks_total") == 0)
            {
                Assert.True(DateTime.UtcNow < deadline, "the compactor did not move the damaged chunk aside within 60 s");
                await Task.Delay(200);
            }
            var (_, after) = await Client.GetTextAsync(http, "/loki/api/v1/query?" + string.Join('&', query.Select(p => p.Item1 + "=" + Uri.EscapeDataString(p.Item2))));
            using (var doc = JsonDocument.Parse(after))
                Assert.False(doc.RootElement.TryGetProperty("warnings", out _), after);
            Assert.NotEmpty(Directory.GetFiles(Path.Combine(dataDir, "blocks", "fake", "damaged"), "*.chunk"));
        }
        finally
        {
            Directory.Delete(dataDir, recursive: true);
        }
    }

    private static string Seconds(long ns) => (ns / TimeNs.PerSecond).ToString(System.Globalization.CultureInfo.InvariantCulture);

}
