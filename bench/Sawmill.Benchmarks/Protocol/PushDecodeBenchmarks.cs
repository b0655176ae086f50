using System.Text;
using BenchmarkDotNet.Attributes;
using Sawmill.Core;
using Sawmill.Core.Protocol;
using Sawmill.Server.Protocol;

namespace Sawmill.Benchmarks.Protocol;

/// <summary>
/// Decoding one push request of 1,000 lines of ~200 bytes in 10 streams (the push benchmark's request shape):
/// snappy + protobuf as Promtail sends it, and JSON. Reports lines/s through <c>OperationsPerInvoke</c>.
/// </summary>
[MemoryDiagnoser]

public class PushDecodeBenchmarks
{
    private const int Lines = 1000;
    private byte[] _snappy = null!;
    private byte[] _json = null!;

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(42);
        var streams = new List<PushStream>();
        var json = new StringBuilder("{\"streams\":[");
        for (var s = 0; s < 10; s++)
        {
            var entries = new List<PushEntry>();
            if (s > 0)
                json.Append(',');
            json.Append($"{{\"stream\":{{\"app\":\"bench\",\"instance\":\"i{s}\",\"level\":\"info\"}},\"values\":[");
            for (var i = 0; i < Lines / 10; i++)
            {
                var line = $"{{\"level\":\"info\",\"message\":\"Prediction successful\",\"request_id\":\"{random.Next():x8}-{random.Next():x8}\",\"latency_ms\":{random.Next(1, 900)},\"confidence\":0.{random.Next(100, 999)},\"model_version\":\"v1.2.3\",\"path\":\"/predict\"}}";
                var ts = 1_700_000_000_000_000_000L + i * 1_000_000L;
                entries.Add(new PushEntry(ts, Encoding.UTF8.GetBytes(line)));
                if (i > 0)
                    json.Append(',');
                json.Append($"[\"{ts}\",{System.Text.Json.JsonSerializer.Serialize(line)}]");
            }
            json.Append("]}");
            streams.Add(new PushStream(Labels.From(("app", "bench"), ("instance", "i" + s), ("level", "info")), entries));
        }
        json.Append("]}");
        _snappy = Snappier.Snappy.CompressToArray(PushRequestEncoder.Encode(streams));
        _json = Encoding.UTF8.GetBytes(json.ToString());
    }

    [Benchmark(OperationsPerInvoke = Lines, Baseline = true)]
    public int ProtobufSnappy()
    {
        var raw = Snappier.Snappy.DecompressToArray(_snappy);
        return ProtobufPushDecoder.Decode(raw).Count;
    }

    [Benchmark(OperationsPerInvoke = Lines)]
    public int Json() => JsonPushDecoder.Decode(_json).Count;
}
