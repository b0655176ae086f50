using System.Text;
using Sawmill.Core;

namespace Sawmill.Testing;

/// <summary>
/// A seeded generator of realistic log lines (about 200 bytes each) and their stream labels, shared by tests and
/// benchmarks. One third of the lines are JSON like the course's churn-api logs (level, message, request_id,
/// latency_ms, confidence), one third logfmt, one third plain text. The same seed always yields the same sequence.
/// Not thread-safe: use one instance per thread.
/// </summary>
public sealed class LogGenerator
{
    private static readonly string[] Apps = ["churn-api", "checkout", "gateway", "billing", "search"];
    private static readonly string[] Levels = ["info", "info", "info", "info", "warn", "error", "debug"];
    private static readonly string[] Envs = ["prod", "staging"];
    private static readonly string[] Paths = ["/predict", "/health", "/api/v1/customers", "/api/v1/orders", "/metrics", "/login"];
    private static readonly string[] Methods = ["GET", "POST", "PUT", "DELETE"];
    private static readonly string[] Messages =
    [
        "prediction served", "request completed", "cache miss for customer profile", "upstream responded slowly",
        "model loaded from disk", "retrying database connection", "payment authorised", "user session refreshed",
        "feature vector assembled", "rate limit close to threshold",
    ];
    private static readonly string[] Words =
    [
        "connection", "timeout", "worker", "queue", "batch", "scheduler", "replica", "shard", "commit", "snapshot",
        "handler", "socket", "backend", "token", "session", "cluster", "node", "volume", "lease", "heartbeat",
    ];

    private readonly Random _random;
    private readonly StringBuilder _sb = new(256);
    private long _nextTs;

    /// <param name="seed">Seed of the pseudo-random sequence.</param>
    /// <param name="startNs">Timestamp of the first entry; later entries advance by 1–2 ms.</param>
    public LogGenerator(int seed, long startNs = 1_700_000_000_000_000_000)
    {
        _random = new Random(seed);
        _nextTs = startNs;
    }

    /// <summary>Stream label sets: app × level × env × instance, <paramref name="count"/> of them, deterministic.</summary>
    public static Labels[] StreamLabels(int count)
    {
        var result = new Labels[count];
        for (var i = 0; i < count; i++)
        {
            result[i] = Labels.From(
                ("app", Apps[i % Apps.Length]),
                ("level", Levels[(i / Apps.Length) % 4 switch { 0 => 0, 1 => 4, 2 => 5, _ => 6 }]),
                ("env", Envs[(i / 20) % Envs.Length]),
                ("instance", $"10.0.{i / 256}.{i % 256}:8080"));
        }
        return result;
    }

    /// <summary>The next timestamp (strictly increasing, 1–2 ms apart).</summary>
    public long NextTimestamp()
    {
        _nextTs += TimeNs.PerMillisecond + _random.Next(0, 1_000_000);
        return _nextTs;
    }

    /// <summary>The next line as UTF-8.</summary>
    public byte[] NextLine() => Encoding.UTF8.GetBytes(NextLineText());

    /// <summary>The next line as a string.</summary>
    public string NextLineText()
    {
        _sb.Clear();
        var level = Levels[_random.Next(Levels.Length)];
        var requestId = RequestId();
        var latency = Math.Round(_random.NextDouble() * _random.Next(1, 900), 3);
        switch (_random.Next(3))
        {
            case 0:
                _sb.Append("{\"timestamp\":\"").Append(TimeNs.ToRfc3339Nano(_nextTs)).Append("\",\"level\":\"").Append(level.ToUpperInvariant())
                    .Append("\",\"logger\":\"churn_api\",\"message\":\"").Append(Messages[_random.Next(Messages.Length)])
                    .Append("\",\"request_id\":\"").Append(requestId)
                    .Append("\",\"customer_id\":\"C").Append(_random.Next(100_000).ToString("D6", System.Globalization.CultureInfo.InvariantCulture))
                    .Append("\",\"latency_ms\":").Append(latency.ToString(System.Globalization.CultureInfo.InvariantCulture))
                    .Append(",\"confidence\":").Append(Math.Round(_random.NextDouble(), 4).ToString(System.Globalization.CultureInfo.InvariantCulture))
                    .Append('}');
                break;
            case 1:
                _sb.Append("ts=").Append(TimeNs.ToRfc3339Nano(_nextTs)).Append(" level=").Append(level)
                    .Append(" method=").Append(Methods[_random.Next(Methods.Length)])
                    .Append(" path=").Append(Paths[_random.Next(Paths.Length)])
                    .Append(" status=").Append(_random.Next(10) == 0 ? 500 : 200)
                    .Append(" duration=").Append(latency.ToString(System.Globalization.CultureInfo.InvariantCulture)).Append("ms")
                    .Append(" request_id=").Append(requestId)
                    .Append(" msg=\"").Append(Messages[_random.Next(Messages.Length)]).Append('"');
                break;
            default:
                _sb.Append(TimeNs.ToDateTime(_nextTs).ToString("yyyy-MM-dd HH:mm:ss.fff", System.Globalization.CultureInfo.InvariantCulture))
                    .Append(' ').Append(level.ToUpperInvariant()).Append(" [worker-").Append(_random.Next(16)).Append("] ");
                var words = _random.Next(8, 16);
                for (var i = 0; i < words; i++)
                    _sb.Append(Words[_random.Next(Words.Length)]).Append(' ');
                _sb.Append("id=").Append(requestId).Append(" took ").Append(_random.Next(1, 5000)).Append("ms");
                break;
        }
        return _sb.ToString();
    }

    private string RequestId()
    {
        Span<char> hex = stackalloc char[16];
        for (var i = 0; i < hex.Length; i++)
            hex[i] = "0123456789abcdef"[_random.Next(16)];
        return $"req-{hex[..8]}-{hex[8..]}";
    }
}
