using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using Sawmill.Core;
using Sawmill.Core.Protocol;
using Sawmill.Testing;
using Xunit.Abstractions;

namespace Sawmill.Fuzz.Tests;

/// <summary>
/// The push API of a real server under mutated bodies in every framing it takes (snappy-compressed protobuf, JSON,
/// gzip and deflate JSON): every answer must be a 2xx or a 4xx (never a 500), and the server must stay up and keep
/// every line it acknowledged.
/// </summary>
public sealed class PushEndpointFuzzTests(ITestOutputHelper output)
{
    private static readonly byte[][] Seeds =
    [
        Encoding.UTF8.GetBytes("""{"streams":[{"stream":{"app":"fuzz"},"values":[["1700000000000000000","a line",{"trace_id":"t1"}]]}]}"""),
        Encoding.UTF8.GetBytes("""{"streams":[{"labels":"{app=\"fuzz\"}","entries":[{"ts":"2023-11-14T22:13:20Z","line":"legacy"}]}]}"""),
        PushRequestEncoder.Encode([new PushStream(Labels.From(("app", "fuzz")), [new PushEntry(1_700_000_000_000_000_000, "proto line"u8.ToArray(), [new Label("k", "v")])])]),
    ];

    [Fact]
    public async Task Mutated_push_bodies_never_get_a_500_and_the_server_stays_up()
    {
        await using var server = await SawmillProcess.StartAsync(["-config.file=" + WriteConfig()]);
        using var http = server.CreateClient();
        var mutator = new Mutator(FuzzRunner.Seed, []);
        var pool = Seeds.ToList();
        var budget = FuzzRunner.Budget(6);
        var sw = Stopwatch.StartNew();
        long requests = 0, accepted = 0;
        var statuses = new Dictionary<int, int>();
        while (sw.Elapsed < budget)
        {
            var seed = pool[mutator.Next(pool.Count)];
            var isProto = seed[0] != (byte)'{';
            var body = mutator.Mutate(seed, pool);
            var framing = mutator.Next(4);
            HttpContent content;
            if (isProto)
            {
                // Usually a valid snappy frame around mutated protobuf; sometimes mutated snappy itself.
                var framed = framing == 0 ? mutator.Mutate(Snappier.Snappy.CompressToArray(seed), pool) : Snappier.Snappy.CompressToArray(body);
                content = new ByteArrayContent(framed);
                content.Headers.ContentType = new MediaTypeHeaderValue("application/x-protobuf");
            }
            else
            {
                var bytes = framing switch
                {
                    1 => Compress(body, s => new System.IO.Compression.GZipStream(s, System.IO.Compression.CompressionLevel.Fastest)),
                    2 => Compress(body, s => new System.IO.Compression.ZLibStream(s, System.IO.Compression.CompressionLevel.Fastest)),
                    3 => mutator.Mutate(Compress(seed, s => new System.IO.Compression.GZipStream(s, System.IO.Compression.CompressionLevel.Fastest)), pool),
                    _ => body,
                };
                content = new ByteArrayContent(bytes);
                content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
                if (framing is 1 or 3)
                    content.Headers.ContentEncoding.Add("gzip");
                else if (framing == 2)
                    content.Headers.ContentEncoding.Add("deflate");
            }
            using var response = await http.PostAsync("/loki/api/v1/push", content);
            var status = (int)response.StatusCode;
            statuses[status] = statuses.GetValueOrDefault(status) + 1;
            requests++;
            if (status >= 500)
                Assert.Fail($"push answered {status}: {await response.Content.ReadAsStringAsync()}\nbody (base64): {Convert.ToBase64String(await content.ReadAsByteArrayAsync())}");
            if (status == 204)
            {
                accepted++;
                if (pool.Count < 500 && !isProto)
                    pool.Add(body);
            }
        }
        Assert.False(server.HasExited, "the server exited during the fuzz run");
        using var ready = await http.GetAsync("/ready");
        Assert.True(ready.IsSuccessStatusCode);
        output.WriteLine($"push endpoint: {requests:N0} requests in {sw.Elapsed.TotalSeconds:F1} s, {accepted:N0} accepted; statuses: " +
            string.Join(", ", statuses.OrderBy(kv => kv.Key).Select(kv => $"{kv.Key}×{kv.Value}")));
        Assert.True(requests > 50, $"only {requests} requests were sent");
    }

    private static byte[] Compress(byte[] plain, Func<Stream, Stream> wrap)
    {
        using var ms = new MemoryStream();
        using (var z = wrap(ms))
            z.Write(plain);
        return ms.ToArray();
    }

    /// <summary>Limits opened up so that mutated bodies reach the decoders instead of the rate limiter.</summary>
    private static string WriteConfig()
    {
        var path = Path.Combine(Path.GetTempPath(), "sawmill-fuzz-" + Guid.NewGuid().ToString("N") + ".yaml");
        File.WriteAllText(path, "limits_config:\n  ingestion_rate_mb: 10000\n  ingestion_burst_size_mb: 10000\n  reject_old_samples: false\n  max_global_streams_per_user: 0\n");
        return path;
    }
}
