using System.Buffers.Binary;
using System.IO.Compression;
using System.IO.Hashing;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Sawmill.Core;
using Sawmill.Core.Protocol;
using Sawmill.Storage.Blocks;
using Sawmill.Storage.Chunks;
using Sawmill.Storage.Wal;
using Sawmill.Testing;
using Xunit.Abstractions;

namespace Sawmill.Fuzz.Tests;

/// <summary>
/// Every decoder of outside bytes under structured random mutation of valid inputs: push bodies (JSON, protobuf, and
/// snappy/gzip framing), label text, LogQL, the server and agent YAML configs, rule files, WAL segments and records,
/// chunks, block indexes and block directories. Each corrupt input must be rejected with the decoder's documented error
/// (the push API turns it into a 400, storage into a named corrupt file) — never another exception, a hang or a crash.
/// A few seconds per target in CI; see <see cref="FuzzRunner"/> for long runs.
/// </summary>
public sealed class DecoderFuzzTests(ITestOutputHelper output)
{
    private const double CiSeconds = 3;

    public static TheoryData<string> Targets => new(FuzzTargets.All.Select(t => t.Name));

    [Theory]
    [MemberData(nameof(Targets))]
    public void Corrupt_inputs_are_rejected_with_the_decoders_own_error(string name)
    {
        var target = FuzzTargets.All.Single(t => t.Name == name);
        var report = FuzzRunner.Run(target, FuzzRunner.Budget(CiSeconds));
        output.WriteLine(FuzzRunner.Describe(report));
        Assert.True(report.Findings.Count == 0, FuzzRunner.Describe(report));
        Assert.True(report.Executions > 50, $"{name} ran only {report.Executions} inputs");
    }
}

internal static class FuzzTargets
{
    private static byte[] U(string s) => Encoding.UTF8.GetBytes(s);

    private static IReadOnlyList<byte[]> Tokens(params string[] tokens) => tokens.Select(U).ToList();

    private static string Text(byte[] input) => Encoding.UTF8.GetString(input);

    private static readonly string[] GoldenCases = ["zstd-wal-checkpoint", "snappy", "lz4", "none", "cold-v2-chunks"];

    private static IEnumerable<string> GoldenFiles(Func<string, bool> select) =>
        GoldenCases.SelectMany(c => Directory.GetFiles(RepositoryFiles.Path("tests", "Sawmill.Storage.Tests", "Golden", "v1", c, "data"), "*", SearchOption.AllDirectories))
            .Where(select).Order(StringComparer.Ordinal);

    private static List<PushStream> SampleStreams() =>
    [
        new(Labels.From(("app", "api"), ("env", "prod")), [
            new PushEntry(1_700_000_000_000_000_000, U("{\"level\":\"error\",\"msg\":\"boom\"}"), [new Label("trace_id", "abc")]),
            new PushEntry(1_700_000_000_000_000_001, U("level=info msg=\"ünïcode ✓\"")),
        ]),
        new(Labels.From(("app", "web")), [new PushEntry(1_700_000_000_500_000_000, U("plain line"))]),
    ];

    private static readonly string[] JsonBodies =
    [
        """{"streams":[{"stream":{"app":"api","env":"prod"},"values":[["1700000000000000000","{\"level\":\"error\"}",{"trace_id":"abc"}],["1700000000000000001","line two"]]}]}""",
        """{"streams":[{"labels":"{app=\"legacy\"}","entries":[{"ts":"2023-11-14T22:13:20.000000001Z","line":"old shape"}]}]}""",
        """{"streams":[{"stream":{"a":"b"},"values":[["1","x"]]},{"stream":{"c":"d"},"values":[]}]}""",
    ];

    public static readonly FuzzTarget[] All =
    [
        new("push-json",
            () => JsonBodies.Select(U).ToList(),
            input => Sawmill.Server.Protocol.JsonPushDecoder.Decode(input),
            e => e is Sawmill.Server.Protocol.PushDecodeException,
            Dictionary: Tokens("\"streams\"", "\"stream\"", "\"values\"", "\"labels\"", "\"entries\"", "\"ts\"", "\"line\"", "[", "]", "{", "}", "null", "true", "\"\\u0000\"", "\"\\ud800\"", "1e400", "-0")),
        new("push-protobuf",
            () => [PushRequestEncoder.Encode(SampleStreams()), PushRequestEncoder.Encode([])],
            input => Sawmill.Server.Protocol.ProtobufPushDecoder.Decode(input),
            e => e is Sawmill.Server.Protocol.PushDecodeException),
        new("push-gzip-json",
            () => JsonBodies.Select(b => Gzip(U(b))).ToList(),
            input =>
            {
                using var gz = new GZipStream(new MemoryStream(input), CompressionMode.Decompress);
                using var plain = new MemoryStream();
                gz.CopyTo(plain);
                Sawmill.Server.Protocol.JsonPushDecoder.Decode(plain.ToArray());
            },
            e => e is InvalidDataException or Sawmill.Server.Protocol.PushDecodeException),
        new("labels-text",
            () => Tokens("{app=\"api\", env=\"prod\"}", "{a=\"\\\"quoted\\\" \\u00e9\"}", "{}", "{job=`raw`}"),
            input => Sawmill.Server.Protocol.LabelsText.TryParse(Text(input), out _),
            _ => false,
            Dictionary: Tokens("{", "}", "=", ",", "\"", "\\", "\\x", "\\u", "`", "__name__")),
        new("logql",
            () => Tokens(
                "sum by (level) (rate({app=\"api\"} |= \"error\" | json | status >= 500 [5m]))",
                "{app=~\"a.+\"} | logfmt | line_format \"{{.msg | upper}}\" | label_format x=`{{ printf \"%.2f\" .v }}`",
                "quantile_over_time(0.99, {app=\"api\"} | json | unwrap duration(latency) [1m]) by (app) offset 5m",
                "topk(3, sum by (a) (count_over_time({b=\"c\"} | pattern \"<ip> - <_>\" | ip=ip(\"10.0.0.0/8\") [1h]))) / on (a) group_left bool vector(1)",
                "{app=\"api\"} |> \"<_> error <_>\" != ip(\"1.2.3.4\") | decolorize | keep a, b | drop c=\"d\""),
            input => Sawmill.LogQL.Syntax.LogQLParser.ParseExpr(Text(input)),
            e => e is Sawmill.LogQL.Syntax.ParseException,
            Dictionary: Tokens("{", "}", "(", ")", "[5m]", "|=", "!=", "|~", "!~", "|>", "| json", "| logfmt", "| unpack", "| regexp", "| pattern", "| unwrap", "by", "without", "on", "ignoring", "group_left", "group_right", "bool", "offset", "sum", "rate", "count_over_time", "topk(", "\"", "`", "==", ">=", "and", "or", "unless", "label_replace(", "1e9", "-")),
        new("config-yaml",
            () => Tokens(
                "auth_enabled: false\nserver:\n  http_listen_port: 3100\ncommon:\n  path_prefix: /tmp/x\nlimits_config:\n  retention_period: 168h\n  ingestion_rate_mb: 4\n  retention_stream:\n    - selector: '{app=\"a\"}'\n      priority: 1\n      period: 24h\ningester:\n  chunk_idle_period: 30m\n  chunk_encoding: snappy\ncompactor:\n  retention_enabled: true\nruler:\n  alertmanager_url: http://x:9093\n",
                "schema_config:\n  configs:\n    - from: 2020-10-24\n      store: boltdb-shipper\nstorage_config:\n  filesystem:\n    directory: /tmp/loki\n"),
            input => Sawmill.Server.Config.ConfigLoader.Load(Text(input), expandEnv: true),
            e => e is Sawmill.Server.Config.ConfigException,
            Dictionary: Tokens(":", "\n  ", "- ", "&a", "*a", "<<: *a", "!!binary", "${HOME}", "${X:-y}", "[", "{", "'", "\"", "-1", "1e9", "1h", "0s", "true", "~", "limits_config:", "ingester:")),
        new("agent-config-yaml",
            () => Tokens(
                "server:\n  http_listen_port: 9080\npositions:\n  filename: /tmp/positions.yaml\nclients:\n  - url: http://localhost:3100/loki/api/v1/push\nscrape_configs:\n  - job_name: app\n    static_configs:\n      - targets: [localhost]\n        labels:\n          job: app\n          __path__: /var/log/*.log\n    pipeline_stages:\n      - json:\n          expressions:\n            level: level\n      - labels:\n          level:\n      - template:\n          source: level\n          template: '{{ ToUpper .Value }}'\n",
                "scrape_configs:\n  - job_name: k\n    kubernetes_sd_configs:\n      - role: pod\n    relabel_configs:\n      - source_labels: [__meta_kubernetes_pod_label_app]\n        target_label: app\n      - action: keep\n        regex: true\n        source_labels: [__meta_kubernetes_pod_annotation_prometheus_io_scrape]\n"),
            input => Sawmill.Agent.Config.AgentConfigLoader.Load(Text(input)),
            e => e is Sawmill.Agent.Config.ConfigException,
            Dictionary: Tokens(":", "\n  ", "- ", "&a", "*a", "[", "{", "'", "\"", "regex: '('", "action: replace", "{{", "}}", "- match:", "selector: '{a=\"b\"}'")),
        new("rules-yaml",
            () => [File.ReadAllBytes(RepositoryFiles.Path("examples", "course", "grafana-alert-rules.yaml")),
                U("groups:\n  - name: rec\n    interval: 30s\n    rules:\n      - record: x:rate\n        expr: sum(rate({a=\"b\"}[1m]))\n        labels:\n          team: a\n")],
            input => Sawmill.Ruler.RuleYaml.ParseFile(Text(input), "fuzz.yaml"),
            e => e is Sawmill.Ruler.RuleValidationException,
            Dictionary: Tokens("groups:", "rules:", "- alert: ", "expr: ", "for: ", "record: ", "interval: ", "labels:", "annotations:", "{{ $value }}", "{{ $labels.x }}", "{{", "[5m]", ":", "\n    ", "- ")),
        new("wal-record",
            () => [.. WalPayloads()],
            input =>
            {
                if (input.Length > 0 && input[0] == WalFormat.KindBlock)
                {
                    var (_, _, block) = WalFormat.DecodeBlock(input, "fuzz");
                    using var decoded = new DecodedBlock();
                    BlockFormat.Decode(block, lines: true, metadata: true, decoded);
                }
                else
                    WalFormat.DecodePush(input);
            },
            e => e is InvalidDataException or StorageCorruptionException,
            FixUp: FixBlockRecordChecksum),
        new("wal-file",
            () => [.. GoldenFiles(f => f.EndsWith(".wal", StringComparison.Ordinal) || Path.GetFileName(f).StartsWith("checkpoint.", StringComparison.Ordinal)).Select(File.ReadAllBytes).Where(b => b.Length > 8)],
            input =>
            {
                var path = Path.Combine(Path.GetTempPath(), $"sawmill-fuzz-{Environment.CurrentManagedThreadId}.wal");
                File.WriteAllBytes(path, input);
                try
                {
                    // Replay both as an older segment (corruption skips the rest) and as the newest (a torn tail is truncated).
                    WalReplayer.ReplayFile(path, truncateTornTail: false, (_, _) => { }, (_, _, _) => { }, NullLogger.Instance);
                    WalReplayer.ReplayFile(path, truncateTornTail: true, (_, _) => { }, (_, _, _) => { }, NullLogger.Instance);
                }
                finally
                {
                    File.Delete(path);
                }
            },
            _ => false,
            FixUp: FixWalChecksums),
        new("chunk",
            () => [.. GoldenFiles(f => Path.GetFileName(f) == "chunks").SelectMany(f => SplitChunks(File.ReadAllBytes(f)))],
            input =>
            {
                var chunk = ChunkFormat.Read(input, "fuzz");
                using var decoded = new DecodedBlock();
                // The filters a search tests: the chunk's trigram filter and (version 3) each block's token filter.
                var keys = TokenKeys.Needle(U("error abc"), bounded: false).SelectMany(k => k).ToArray();
                foreach (var block in chunk.Blocks)
                {
                    BlockFormat.Decode(block, lines: true, metadata: true, decoded);
                    if (block.TokenFilter is { } filter)
                        foreach (var key in keys)
                            TokenFilter.MayContain(filter, key);
                }
                chunk.Filter?.MayContainSubstring(U("error"));
            },
            e => e is StorageCorruptionException,
            FixUp: FixChunkChecksums),
        new("block-index",
            () => [.. GoldenFiles(f => Path.GetFileName(f) == "index").Select(File.ReadAllBytes)],
            input => IndexFormat.Read(input, "fuzz"),
            e => e is StorageCorruptionException,
            FixUp: FixIndexChecksums),
        new("block-meta",
            () => [.. GoldenFiles(f => Path.GetFileName(f) == "meta.json").Select(File.ReadAllBytes)],
            input =>
            {
                // A whole block directory: the mutated meta.json beside a real index and chunks file.
                var golden = Path.GetDirectoryName(GoldenFiles(f => Path.GetFileName(f) == "meta.json").First())!;
                var dir = Directory.CreateTempSubdirectory("sawmill-fuzz-block-").FullName;
                try
                {
                    File.Copy(Path.Combine(golden, "index"), Path.Combine(dir, "index"));
                    File.Copy(Path.Combine(golden, "chunks"), Path.Combine(dir, "chunks"));
                    File.WriteAllBytes(Path.Combine(dir, "meta.json"), input);
                    using var reader = BlockReader.Open(dir);
                    reader.Match([LabelMatcher.Create(MatchType.Regex, "app", ".+")]);
                }
                finally
                {
                    Directory.Delete(dir, recursive: true);
                }
            },
            e => e is StorageCorruptionException,
            Dictionary: Tokens("\"version\"", "\"minTime\"", "\"maxTime\"", "\"sources\"", "null", "[]", "{}", "-1", "2")),
    ];

    private static byte[] Gzip(byte[] plain)
    {
        using var ms = new MemoryStream();
        using (var gz = new GZipStream(ms, CompressionLevel.Fastest))
            gz.Write(plain);
        return ms.ToArray();
    }

    private static IEnumerable<byte[]> WalPayloads()
    {
        yield return WalFormat.EncodePush("fake", SampleStreams());
        // A block record: a sealed head block as a checkpoint holds it.
        var file = GoldenFiles(f => Path.GetFileName(f).StartsWith("checkpoint.", StringComparison.Ordinal)).Select(File.ReadAllBytes).OrderByDescending(b => b.Length).First();
        var pos = 8;
        while (pos + 8 <= file.Length)
        {
            var len = (int)BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(pos));
            if (len <= 0 || pos + 8 + len > file.Length)
                break;
            yield return file.AsSpan(pos + 8, len).ToArray();
            pos += 8 + len;
        }
    }

    /// <summary>Splits a chunks file at each chunk's magic (the golden files hold several chunks back to back).</summary>
    private static IEnumerable<byte[]> SplitChunks(byte[] file)
    {
        var starts = new List<int>();
        for (var i = 0; i + 4 <= file.Length; i++)
            if (file.AsSpan(i, 4).SequenceEqual("SMCK"u8))
                starts.Add(i);
        for (var k = 0; k < starts.Count; k++)
        {
            var end = k + 1 < starts.Count ? starts[k + 1] : file.Length;
            yield return file.AsSpan(starts[k], end - starts[k]).ToArray();
        }
    }

    private static void WriteCrc(byte[] b, int start, int end)
    {
        if (start >= 0 && end >= start && end + 4 <= b.Length)
            BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(end), Crc32.HashToUInt32(b.AsSpan(start, end - start)));
    }

    /// <summary>
    /// docs/format/chunk.md: header CRC after the block table, trigram filter and (version 3) token filters; each block
    /// ends with its own CRC; version 3 table entries (48 bytes) also hold the CRC of the block's prefix.
    /// </summary>
    private static byte[] FixChunkChecksums(byte[] b)
    {
        if (b.Length < 48)
            return b;
        var blocks = BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(28));
        var words = BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(40));
        if (blocks > 4096 || words > 1 << 20)
            return b;
        var entry = b[4] == 3 ? 48 : 32;
        long headerEnd = 48 + entry * (int)blocks + 8 * (int)words;
        for (var i = 0; i < blocks && 48 + entry * i + entry <= b.Length; i++)
        {
            var e = 48 + entry * i;
            var offset = (int)BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(e + 24));
            var length = (int)BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(e + 28));
            if (offset >= 0 && length >= 4 && (long)offset + length <= b.Length)
                WriteCrc(b, offset, offset + length - 4);
            if (entry == 48)
            {
                var prefix = (int)BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(e + 32));
                if (offset >= 0 && prefix >= 0 && prefix <= length && (long)offset + length <= b.Length)
                    BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(e + 36), Crc32.HashToUInt32(b.AsSpan(offset, prefix)));
                headerEnd += BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(e + 40));
            }
        }
        if (headerEnd <= int.MaxValue)
            WriteCrc(b, 0, (int)headerEnd);
        return b;
    }

    /// <summary>docs/format/block.md: sections of <c>u32 length | payload | u32 CRC</c> after an 8-byte header.</summary>
    private static byte[] FixIndexChecksums(byte[] b)
    {
        var pos = 8;
        while (pos + 4 <= b.Length)
        {
            var len = BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(pos));
            if (len > b.Length - pos - 8)
                break;
            WriteCrc(b, pos + 4, pos + 4 + (int)len);
            pos += 8 + (int)len;
        }
        return b;
    }

    /// <summary>docs/format/wal.md: records of <c>u32 length | u32 CRC | payload</c> after an 8-byte header.</summary>
    private static byte[] FixWalChecksums(byte[] b)
    {
        var pos = 8;
        while (pos + 8 <= b.Length)
        {
            var len = BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(pos));
            if (len == 0 || len > b.Length - pos - 8)
                break;
            BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(pos + 4), Crc32.HashToUInt32(b.AsSpan(pos + 8, (int)len)));
            pos += 8 + (int)len;
        }
        return b;
    }

    /// <summary>
    /// A block record (docs/format/wal.md) ends with a length-prefixed encoded block whose last 4 bytes are the CRC of
    /// the rest of it: when the record still parses, the block's CRC is recomputed so that its decoder is reached.
    /// </summary>
    private static byte[] FixBlockRecordChecksum(byte[] b)
    {
        if (b.Length == 0 || b[0] != WalFormat.KindBlock)
            return b;
        try
        {
            var (_, _, block) = WalFormat.DecodeBlock(b, "fix-up");
            var length = block.Bytes.Length;
            if (length >= 4 && length <= b.Length)
                WriteCrc(b, b.Length - length, b.Length - 4);
        }
        catch (Exception e) when (e is InvalidDataException or StorageCorruptionException)
        {
            // Not parseable any more: leave it for the decoder to reject.
        }
        return b;
    }
}
