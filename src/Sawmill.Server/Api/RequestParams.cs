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

    /// <summary>Loki's timestamp rule: RFC3339, float Unix seconds (with a dot), Unix seconds (≤ 10 digits) or nanoseconds.</summary>
    public static long ParseTime(string value, string name)
    {
        if (value.Contains('.', StringComparison.Ordinal) &&
            double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var f))
        {
            var seconds = Math.Floor(f);
            var ms = Math.Round((f - seconds) * 1000);
            return (long)seconds * TimeNs.PerSecond + (long)ms * TimeNs.PerMillisecond;
        }
        if (long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n))
            return value.TrimStart('-').Length <= 10 ? n * TimeNs.PerSecond : n;
        if (DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var dto))
        {
            var ns = TimeNs.FromDateTime(dto.UtcDateTime);
            var dot = value.IndexOf('.', StringComparison.Ordinal);
            if (dot > 0)
            {
                var end = dot + 1;
                while (end < value.Length && char.IsAsciiDigit(value[end]))
                    end++;
                var digits = value[(dot + 1)..end];
                if (digits.Length > 7)
                    ns += long.Parse(digits.PadRight(9, '0')[7..9], CultureInfo.InvariantCulture);
            }
            return ns;
        }
        throw new ApiException(400, $"invalid {name} parameter: cannot parse \"{value}\" to a valid timestamp");
    }

    public long Time(string name, long defaultNs) => Get(name) is { Length: > 0 } v ? ParseTime(v, name) : defaultNs;

    /// <summary>A step or interval: float seconds or a duration (<c>30s</c>, <c>1m</c>).</summary>
    public static long ParseSecondsOrDuration(string value, string name)
    {
        if (double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var secs))
        {
            if (double.IsNaN(secs) || double.IsInfinity(secs))
                throw new ApiException(400, $"invalid {name} parameter: cannot parse \"{value}\" to a valid duration");
            return (long)Math.Round(secs * TimeNs.PerSecond);
        }
        if (GoDuration.TryParse(value, out var ns))
            return ns;
        throw new ApiException(400, $"invalid {name} parameter: cannot parse \"{value}\" to a valid duration");
    }

    public Direction Direction()
    {
        var v = Get("direction");
        if (string.IsNullOrEmpty(v))
            return Core.Direction.Backward;
        return v.ToLowerInvariant() switch
        {
            "forward" => Core.Direction.Forward,
            "backward" => Core.Direction.Backward,
            _ => throw new ApiException(400, $"invalid direction '{v}'"),
        };
    }

    public int Limit(int defaultLimit)
    {
        var v = Get("limit");
        if (string.IsNullOrEmpty(v))
            return defaultLimit;
        if (!int.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n))
            throw new ApiException(400, $"invalid limit parameter: cannot parse \"{v}\" to an integer");
        if (n <= 0)
            throw new ApiException(400, "limit must be a positive value");
        return n;
    }

    /// <summary>[start, end) for metadata endpoints: default the last 6 hours (Loki's default for labels and series).</summary>
    public (long Start, long End) Range(TimeSpan defaultSince)
    {
        var end = Time("end", TimeNs.Now());
        var since = Get("since") is { Length: > 0 } s ? ParseSecondsOrDuration(s, "since") : defaultSince.Ticks * 100;
        var start = Time("start", end - since);
        if (end < start)
            throw new ApiException(400, "end timestamp must not be before or equal to start time");
        return (start, end);
    }
}
