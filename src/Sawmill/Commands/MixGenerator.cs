using System.Text;
using Sawmill.Core;

namespace Sawmill.Commands;

/// <summary>
/// The data set of issue 16 (<c>sawmill bench load</c>/<c>search</c>): a realistic mix where a third of the streams
/// carry JSON application logs, a third logfmt access logs and a third plain text, every line with ids that are unique
/// to it — a random UUID <c>request_id</c> and a 16-hex <c>user_id</c> in JSON lines, a 32-hex <c>trace_id</c> and a
/// <c>user_id</c> in logfmt lines, a UUID in plain lines — so that, as in real logs, nearly every block holds
/// thousands of distinct ids. Deterministic: line <c>n</c> of stream <c>s</c> depends only on (seed, s, n), so any
/// client can generate any stream, and the planted lines are at fixed places:
/// <list type="bullet">
/// <item><see cref="PhraseHits"/> lines spread over the whole data set carry <see cref="Phrase"/> (ordinary English
/// words that no other line contains) in their message;</item>
/// <item>one JSON line carries <see cref="KnownRequestId"/> and one logfmt line <see cref="KnownTraceId"/> (random ids
/// like every other; the chance that a generated id equals either is 2^-122).</item>
/// </list>
/// Lines are about 230 bytes on average (JSON ~300, logfmt ~240, plain ~150). Not thread-safe per instance.
/// </summary>
internal sealed class MixGenerator
{
    public const string Phrase = "nightly invoice reconciliation skipped archived ledgers";
    public const int PhraseHits = 53;
    public const string KnownRequestId = "3f6c1d2e-8a4b-4c7d-9e5f-a1b2c3d4e5f6";
    public const string KnownTraceId = "9b2e4f6a8c0d1e3f5a7b9c1d3e5f7a9b";
    public static readonly string[] Formats = ["json", "logfmt", "plain"];

    private static readonly string[] Apps = ["checkout", "payments", "gateway", "search", "accounts"];
    private static readonly string[] Levels = ["info", "warn", "error", "debug"];
    private static readonly string[] Messages =
    [
        "request completed", "cache miss for customer profile", "upstream responded slowly", "retrying database connection",
        "payment authorised", "user session refreshed", "order created", "rate limit applied", "token refreshed",
        "search results served",
    ];
    private static readonly string[] Words =
    [
        "connection", "timeout", "worker", "queue", "batch", "scheduler", "replica", "shard", "commit", "snapshot",
        "handler", "socket", "backend", "token", "session", "cluster", "node", "volume", "lease", "heartbeat", "flushed",
        "started", "stopped", "pool", "retry", "latency", "disk", "memory", "thread", "request",
    ];
    private static readonly string[] Paths = ["/api/v1/orders", "/api/v1/customers", "/api/v1/search", "/health", "/login", "/api/v1/payments"];
    private static readonly string[] Methods = ["GET", "GET", "GET", "POST", "PUT", "DELETE"];

    private readonly int _seed;
    private readonly StringBuilder _sb = new(512);
    private readonly HashSet<(int Stream, long Line)> _phraseLines = [];

    public MixGenerator(int seed, int streams, long linesPerStream)
    {
        _seed = seed;
        Streams = streams;
        LinesPerStream = linesPerStream;
        // Hit k (0..52) is in stream (k * 7) % streams, at an even spread over the stream's lines.
        for (var k = 0; k < PhraseHits; k++)
            _phraseLines.Add(((int)((long)k * 7 % streams), (2L * k + 1) * linesPerStream / (2 * PhraseHits)));
    }

    public int Streams { get; }

    public long LinesPerStream { get; }

    /// <summary>Streams <c>s</c> with <c>s % 3 == 0</c> are JSON, 1 logfmt, 2 plain; apps, levels and instances vary.</summary>
    public static Labels StreamLabels(int s) => Labels.From(
        ("app", Apps[s / 3 % Apps.Length]),
        ("format", Formats[s % 3]),
        ("level", Levels[s / 15 % Levels.Length]),
        ("instance", $"10.1.{s / 256}.{s % 256}:8080"));

    /// <summary>Lines per stream for about <paramref name="rawBytes"/> of raw lines over <paramref name="streams"/> streams.</summary>
    public static long LinesFor(long rawBytes, int streams, int seed)
    {
        var g = new MixGenerator(seed, streams, 1 << 20);
        long sample = 0;
        const int n = 3000;
        for (var i = 0; i < n; i++)
            sample += Encoding.UTF8.GetByteCount(g.Line(i % streams, i * 7L, 1_700_000_000_123_456_789));
        return Math.Max(1, rawBytes / (sample / n) / streams);
    }

    /// <summary>Where the known ids are: (stream, line index).</summary>
    public (int Stream, long Line) KnownRequestAt => (Streams / 2 / 3 * 3, LinesPerStream * 37 / 100);

    public (int Stream, long Line) KnownTraceAt => (Streams / 2 / 3 * 3 + 1, LinesPerStream * 61 / 100);

    /// <summary>True when line <paramref name="n"/> of stream <paramref name="s"/> carries the phrase.</summary>
    public bool IsPhraseLine(int s, long n) => _phraseLines.Contains((s, n));

    /// <summary>Line <paramref name="n"/> of stream <paramref name="s"/> with entry timestamp <paramref name="ts"/>.</summary>
    public string Line(int s, long n, long ts)
    {
        var rng = new SplitMix(((ulong)(uint)_seed << 40) ^ ((ulong)s << 32) ^ (ulong)n ^ 0x5DEECE66DUL);
        var sb = _sb.Clear();
        var level = Levels[s / 15 % Levels.Length];
        var app = Apps[s / 3 % Apps.Length];
        var stamp = TimeNs.ToRfc3339Nano(ts);
        var phrase = IsPhraseLine(s, n);
        var msg = phrase ? Phrase : Messages[rng.Below(Messages.Length)];
        var status = rng.Below(100) switch
        {
            < 2 => 500 + rng.Below(4),
            < 7 => 400 + rng.Below(5),
            _ => 200,
        };
        // Latency: mostly tens of ms with a long tail, three decimals.
        var latency = Math.Round(Math.Exp(rng.NextDouble() * 6) * (1 + rng.NextDouble()), 3);
        switch (s % 3)
        {
            case 0:
                var requestId = (s, n) == KnownRequestAt ? KnownRequestId : Uuid(ref rng);
                sb.Append("{\"ts\":\"").Append(stamp).Append("\",\"level\":\"").Append(level).Append("\",\"app\":\"").Append(app)
                    .Append("\",\"msg\":\"").Append(msg).Append("\",\"request_id\":\"").Append(requestId)
                    .Append("\",\"user_id\":\"").Append(Hex(ref rng, 16)).Append("\",\"method\":\"").Append(Methods[rng.Below(Methods.Length)])
                    .Append("\",\"path\":\"").Append(Paths[rng.Below(Paths.Length)]).Append("\",\"status_code\":").Append(status)
                    .Append(",\"latency_ms\":").Append(Num(latency)).Append(",\"bytes\":").Append(rng.Below(20_000)).Append('}');
                break;
            case 1:
                var traceId = (s, n) == KnownTraceAt ? KnownTraceId : Hex(ref rng, 32);
                sb.Append("ts=").Append(stamp).Append(" level=").Append(level).Append(" app=").Append(app).Append(" method=")
                    .Append(Methods[rng.Below(Methods.Length)]).Append(" path=").Append(Paths[rng.Below(Paths.Length)])
                    .Append(" status=").Append(status).Append(" duration=").Append(Num(latency)).Append("ms trace_id=").Append(traceId)
                    .Append(" user_id=").Append(Hex(ref rng, 16)).Append(" msg=\"").Append(msg).Append('"');
                break;
            default:
                sb.Append(stamp).Append(' ').Append(level.ToUpperInvariant()).Append(" [worker-").Append(rng.Below(16)).Append("] ");
                if (phrase)
                {
                    sb.Append(Phrase).Append(' ');
                }
                else
                {
                    var words = 6 + rng.Below(8);
                    for (var i = 0; i < words; i++)
                        sb.Append(Words[rng.Below(Words.Length)]).Append(' ');
                }
                sb.Append("request=").Append(Uuid(ref rng)).Append(" took ").Append(rng.Below(5000)).Append("ms");
                break;
        }
        return sb.ToString();
    }

    private static string Num(double v) => v.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture);

    private static string Uuid(ref SplitMix rng)
    {
        Span<char> c = stackalloc char[36];
        var a = rng.Next();
        var b = rng.Next();
        // Version 4, variant 10xx, as random UUIDs are.
        a = (a & ~0xF000UL) | 0x4000UL;
        b = (b & 0x3FFFFFFFFFFFFFFFUL) | 0x8000000000000000UL;
        WriteHex(c[..8], a >> 32, 8);
        c[8] = '-';
        WriteHex(c[9..13], a >> 16, 4);
        c[13] = '-';
        WriteHex(c[14..18], a, 4);
        c[18] = '-';
        WriteHex(c[19..23], b >> 48, 4);
        c[23] = '-';
        WriteHex(c[24..36], b, 12);
        return new string(c);
    }

    private static string Hex(ref SplitMix rng, int digits)
    {
        Span<char> c = stackalloc char[digits];
        for (var i = 0; i < digits; i += 16)
            WriteHex(c[i..Math.Min(digits, i + 16)], rng.Next(), Math.Min(16, digits - i));
        return new string(c);
    }

    private static void WriteHex(Span<char> into, ulong value, int digits)
    {
        for (var i = digits - 1; i >= 0; i--)
        {
            into[i] = "0123456789abcdef"[(int)(value & 15)];
            value >>= 4;
        }
    }

    /// <summary>SplitMix64: a fast, well-mixed generator; one per line, seeded from (seed, stream, line).</summary>
    private struct SplitMix(ulong state)
    {
        private ulong _state = state;

        public ulong Next()
        {
            var z = _state += 0x9E3779B97F4A7C15UL;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return z ^ (z >> 31);
        }

        public int Below(int n) => (int)((Next() >> 33) % (ulong)n);

        public double NextDouble() => (Next() >> 11) * (1.0 / (1UL << 53));
    }
}
