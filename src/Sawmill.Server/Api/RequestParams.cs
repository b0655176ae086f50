using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;
using Sawmill.Core;
using Sawmill.GoCompat;

namespace Sawmill.Server.Api;

/// <summary>
/// Query-string and form parameters of a request (POST forms win), with Loki's parsing rules for times, durations,
/// limits and directions. Parse failures throw <see cref="ApiException"/> with Loki's texts and status 400.
/// </summary>
public sealed class RequestParams
{
    private readonly Dictionary<string, StringValues> _values = new(StringComparer.Ordinal);

    public static async Task<RequestParams> ReadAsync(HttpRequest request, CancellationToken ct)
    {
        var p = new RequestParams();
        foreach (var (k, v) in request.Query)
            p._values[k] = v;
        if (request.HasFormContentType)
        {
            var form = await request.ReadFormAsync(ct).ConfigureAwait(false);
            foreach (var (k, v) in form)
                p._values[k] = v;
        }
        return p;
    }

    public string? Get(string name) => _values.TryGetValue(name, out var v) && v.Count > 0 ? v[^1] : null;

    public IReadOnlyList<string> GetAll(string name) => _values.TryGetValue(name, out var v) ? v.Where(s => s != null).Select(s => s!).ToList() : [];

    /// <summary>
    /// Loki's timestamp rule (loghttp's parseTimestamp): with a dot, float Unix seconds rounded to the millisecond;
    /// else an integer, seconds when it has at most 10 characters and nanoseconds otherwise; else RFC3339. On failure
    /// the error is Go's integer-parse error: <c>strconv.ParseInt: parsing "x": invalid syntax</c>.
    /// </summary>
    public static long ParseTime(string value, string name) =>
        TryParseTime(value, out var ns, out var error) ? ns : throw new ApiException(400, name is "start" or "end" or "since" ? $"could not parse '{name}' parameter: {error}" : error!);

    public static bool TryParseTime(string value, out long ns, out string? error)
    {
        error = null;
        if (value.Contains('.', StringComparison.Ordinal) && GoFloat.TryParse(value, out var f))
        {
            var seconds = Math.Truncate(f);
            var frac = Math.Round((f - seconds) * 1000, MidpointRounding.AwayFromZero) / 1000;
            ns = (long)seconds * TimeNs.PerSecond + (long)(frac * TimeNs.PerSecond);
            return true;
        }
        if (long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n))
        {
            ns = value.Length <= 10 ? n * TimeNs.PerSecond : n;
            return true;
        }
        if (GoTime.TryParse(value, GoTime.Named["RFC3339Nano"], null, out ns, out _))
            return true;
        error = IsInteger(value)
            ? $"strconv.ParseInt: parsing {GoQuote.Quote(value)}: value out of range"
            : $"strconv.ParseInt: parsing {GoQuote.Quote(value)}: invalid syntax";
        return false;
    }

    public long Time(string name, long defaultNs) => Get(name) is { Length: > 0 } v ? ParseTime(v, name) : defaultNs;

    /// <summary>
    /// A step or interval (loghttp's parseSecondsOrDuration): float seconds, else a Prometheus duration
    /// (<c>30s</c>, <c>1m30s</c>, <c>1d</c>; no fractions, no negatives). Error: <c>cannot parse "x" to a valid duration</c>.
    /// </summary>
    public static long ParseSecondsOrDuration(string value, string name)
    {
        if (GoFloat.TryParse(value, out var secs))
        {
            var ns = secs * TimeNs.PerSecond;
            if (double.IsNaN(ns) || ns > long.MaxValue || ns < long.MinValue)
                throw new ApiException(400, $"cannot parse {GoQuote.Quote(value)} to a valid duration. It overflows int64");
            return (long)ns;
        }
        if (GoDuration.TryParsePrometheus(value, out var d))
            return d;
        throw new ApiException(400, $"cannot parse {GoQuote.Quote(value)} to a valid duration");
    }

    public Direction Direction()
    {
        var v = Get("direction");
        if (string.IsNullOrEmpty(v))
            return Core.Direction.Backward;
        return v.ToUpperInvariant() switch
        {
            "FORWARD" => Core.Direction.Forward,
            "BACKWARD" => Core.Direction.Backward,
            _ => throw new ApiException(400, $"invalid direction '{v}'"),
        };
    }

    public int Limit(int defaultLimit, bool zeroIsDefault = false)
    {
        var v = Get("limit");
        if (string.IsNullOrEmpty(v))
            return defaultLimit;
        if (!int.TryParse(v, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n))
            throw new ApiException(400, IsInteger(v)
                ? $"strconv.Atoi: parsing {GoQuote.Quote(v)}: value out of range"
                : $"strconv.Atoi: parsing {GoQuote.Quote(v)}: invalid syntax");
        if (n == 0 && zeroIsDefault)
            return defaultLimit;
        if (n <= 0)
            throw new ApiException(400, "limit must be a positive value");
        return n;
    }

    /// <summary>
    /// [start, end) for metadata endpoints, as Loki's bounds(): end defaults to now, start to end (or now, if end is
    /// later) minus <c>since</c> (a Prometheus duration) or <paramref name="defaultSince"/>.
    /// </summary>
    public (long Start, long End) Range(TimeSpan defaultSince) => Bounds(defaultSince.Ticks * 100);

    public (long Start, long End) Bounds(long defaultSinceNs)
    {
        var since = defaultSinceNs;
        if (Get("since") is { Length: > 0 } s)
        {
            if (!GoDuration.TryParsePrometheus(s, out since))
                throw new ApiException(400, $"could not parse 'since' parameter: not a valid duration string: {GoQuote.Quote(s)}");
        }
        var now = TimeNs.Now();
        var end = Time("end", now);
        var start = Time("start", Math.Min(end, now) - since);
        if (end < start)
            throw new ApiException(400, "end timestamp must not be before or equal to start time");
        return (start, end);
    }

    private static bool IsInteger(string s)
    {
        var body = s.StartsWith('-') || s.StartsWith('+') ? s[1..] : s;
        return body.Length > 0 && body.All(char.IsAsciiDigit);
    }
}
