using System.Collections.Concurrent;
using Sawmill.Core;
using Sawmill.Testing;

namespace Sawmill.Server.Tests.Hosting;

public sealed class DurabilityTests
{
    [Fact]
    public async Task Kill_9_mid_ingest_loses_no_acknowledged_line()
    {
        var dataDir = Directory.CreateTempSubdirectory("sawmill-kill-").FullName;
        try
        {
            var acknowledged = new ConcurrentBag<string>();
            var start = Client.Now;
            await using (var server = await SawmillProcess.StartAsync(dataDir: dataDir))
            {
                using var stop = new CancellationTokenSource();
                var writers = Enumerable.Range(0, 4).Select(w => Task.Run(async () =>
                {
                    var http = server.CreateClient();
                    for (var batch = 0; !stop.IsCancellationRequested; batch++)
                    {
                        var now = Client.Now;
                        var lines = Enumerable.Range(0, 50).Select(i => $"w{w}-b{batch}-i{i}").ToArray();
                        var values = lines.Select((l, i) => (now + i, l)).ToArray();
                        try
                        {
                            using var r = await Client.PushJsonAsync(http, Client.Body(Client.Stream($"{{\"app\":\"kill\",\"writer\":\"{w}\"}}", values)));
                            if ((int)r.StatusCode == 204)
                                foreach (var l in lines)
                                    acknowledged.Add(l);
                        }
                        catch (HttpRequestException)
                        {
                            return; // the server died under us: this batch was never acknowledged
                        }
                        catch (TaskCanceledException)
                        {
                            return;
                        }
                    }
                })).ToArray();
                // Kill in mid-push, once a good number of pushes have been acknowledged (not after a fixed time).
                var deadline = DateTime.UtcNow.AddSeconds(60);
                while (acknowledged.Count < 2000)
                {
                    Assert.True(DateTime.UtcNow < deadline, $"only {acknowledged.Count} lines were acknowledged in 60 s");
                    await Task.Delay(20);
                }
                server.Kill();
                stop.Cancel();
                await Task.WhenAll(writers);
            }
            Assert.True(acknowledged.Count > 0, "no push was acknowledged before the kill");

            await using var restarted = await SawmillProcess.StartAsync(dataDir: dataDir);
            var storedSet = await ReadAllLinesAsync(restarted.CreateClient(), "{app=\"kill\"}", start - TimeNs.PerSecond, Client.Now + TimeNs.PerMinute);
            var missing = acknowledged.Where(l => !storedSet.Contains(l)).ToList();
            Assert.True(missing.Count == 0, $"{missing.Count} of {acknowledged.Count} acknowledged lines are missing after kill -9, e.g. {string.Join(", ", missing.Take(5))}");
        }
        finally
        {
            Directory.Delete(dataDir, recursive: true);
        }
    }

    /// <summary>Pages forward through every line of a selector (the server caps one query at 5,000 entries).</summary>
    private static async Task<HashSet<string>> ReadAllLinesAsync(HttpClient http, string selector, long start, long end)
    {
        var lines = new HashSet<string>();
        var from = start;
        while (true)
        {
            var page = await Client.QueryLinesAsync(http, selector, from, end, limit: 5000, direction: "forward");
            var added = 0;
            foreach (var (_, _, line) in page)
                if (lines.Add(line))
                    added++;
            if (page.Count < 5000 || added == 0)
                return lines;
            from = page.Max(p => p.Ts);
        }
    }

    [Fact]
    public async Task A_corrupt_wal_segment_is_named_and_the_rest_is_served()
    {
        var dataDir = Directory.CreateTempSubdirectory("sawmill-corrupt-").FullName;
        try
        {
            var now = Client.Now;
            await using (var server = await SawmillProcess.StartAsync(dataDir: dataDir))
            {
                var http = server.CreateClient();
                await Client.PushJsonAsync(http, Client.Body(Client.Stream("{\"app\":\"wal\"}", (now - 2, "first"))));
                await Client.PushJsonAsync(http, Client.Body(Client.Stream("{\"app\":\"wal\"}", (now - 1, "second"))));
                await server.StopAsync();
            }
            var segment = Directory.GetFiles(Path.Combine(dataDir, "wal"), "*.wal").OrderBy(p => p).Last();
            var bytes = await File.ReadAllBytesAsync(segment);
            bytes[^3] ^= 0xFF;
            await File.WriteAllBytesAsync(segment, bytes);

            await using var restarted = await SawmillProcess.StartAsync(dataDir: dataDir);
            Assert.Contains(Path.GetFileName(segment), restarted.Output);
            var lines = await Client.QueryLinesAsync(restarted.CreateClient(), "{app=\"wal\"}", now - 10, now + 1);
            Assert.Equal("first", Assert.Single(lines).Line);
        }
        finally
        {
            Directory.Delete(dataDir, recursive: true);
        }
    }
}
