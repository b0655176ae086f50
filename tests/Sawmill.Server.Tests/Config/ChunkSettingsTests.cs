using System.Net;
using Sawmill.Testing;

namespace Sawmill.Server.Tests.Config;

/// <summary>The ingester's chunk settings reach the store: idle chunks are cut and flushed on the configured period.</summary>
public sealed class ChunkSettingsTests
{
    [Fact]
    public async Task Idle_chunks_are_flushed_to_blocks_on_the_configured_periods_and_read_back_from_disk()
    {
        var config = Client.WriteConfig("""
            ingester:
              chunk_idle_period: 1s
              flush_check_period: 1s
              chunk_encoding: snappy
              chunk_block_size: 1024
            """);
        await using var server = await SawmillProcess.StartAsync(["-config.file=" + config]);
        var http = server.CreateClient();
        var now = Client.Now;
        var values = Enumerable.Range(0, 200).Select(i => (now - 1_000_000_000 + i, $"line {i} of an idle stream")).ToArray();
        using (var r = await Client.PushJsonAsync(http, Client.Body(Client.Stream("{\"app\":\"idle\"}", values))))
            Assert.Equal(HttpStatusCode.NoContent, r.StatusCode);

        // With Loki's defaults (30m idle, 30s checks) nothing would be flushed within the test.
        var deadline = DateTime.UtcNow.AddSeconds(20);
        var flushed = 0.0;
        while (DateTime.UtcNow < deadline && flushed < 1)
        {
            await Task.Delay(300);
            var (_, metrics) = await Client.GetTextAsync(http, "/metrics");
            flushed = Metric(metrics, "sawmill_ingester_chunks_flushed_total");
        }
        Assert.True(flushed >= 1, "no chunk was flushed");
        var blocks = Directory.GetDirectories(Path.Combine(server.DataDir, "blocks", "fake"));
        Assert.NotEmpty(blocks);

        var lines = await Client.QueryLinesAsync(http, "{app=\"idle\"}", now - 2_000_000_000, now + 1, limit: 1000, direction: "forward");
        Assert.Equal(values.Select(v => v.Item2), lines.Select(l => l.Line));
        var (_, config2) = await Client.GetTextAsync(http, "/config");
        Assert.Contains("flush_check_period: 1s", config2);
        Assert.Contains("chunk_encoding: snappy", config2);
    }

    [Fact]
    public async Task Lokis_gzip_encoding_is_accepted_with_a_warning()
    {
        var config = Client.WriteConfig("ingester:\n  chunk_encoding: gzip\n");
        await using var server = await SawmillProcess.StartAsync(["-config.file=" + config]);
        Assert.Contains("ingester.chunk_encoding gzip: chunks are compressed with zstd instead", server.Output);
    }

    private static double Metric(string text, string name)
    {
        foreach (var line in text.Split('\n'))
            if (line.StartsWith(name + " ", StringComparison.Ordinal))
                return double.Parse(line[(name.Length + 1)..], System.Globalization.CultureInfo.InvariantCulture);
        return 0;
    }
}
