using Sawmill.GoCompat;
using System.Globalization;
using Sawmill.Core;

namespace Sawmill.Agent.Stages;

/// <summary>
/// Promtail's <c>timestamp</c> stage: parses the extracted value <c>source</c> with <c>format</c> (a Go layout, a Go
/// named layout, or Unix/UnixMs/UnixUs/UnixNs), then each of <c>fallback_formats</c>. On failure,
/// <c>action_on_failure: fudge</c> (the default) uses the last parsed timestamp of this stream plus 1ns, and
/// <c>skip</c> keeps the read time. A missing source leaves the timestamp alone.
/// </summary>
public sealed class TimestampStage : TransformStage
{
    private readonly string _source;
    private readonly IReadOnlyList<string> _formats;
    private readonly TimeZoneInfo? _location;
    private readonly bool _fudge;
    private readonly Dictionary<string, long> _lastByStream = new(StringComparer.Ordinal);

    public TimestampStage(string source, string format, IReadOnlyList<string> fallback, string? location, string actionOnFailure) : base("timestamp")
    {
        _source = source;
        var formats = new List<string> { Resolve(format) };
        foreach (var f in fallback)
            formats.Add(Resolve(f));
        _formats = formats;
        if (!string.IsNullOrEmpty(location))
        {
            try
            {
                _location = TimeZoneInfo.FindSystemTimeZoneById(location);
            }
            catch (Exception e) when (e is TimeZoneNotFoundException or InvalidTimeZoneException)
            {
                throw new Config.ConfigException($"timestamp stage: invalid location specified: unknown time zone {location}");
            }
        }
        _fudge = actionOnFailure switch
        {
            "fudge" or "" => true,
            "skip" => false,
            _ => throw new Config.ConfigException($"timestamp stage: invalid action on failure \"{actionOnFailure}\" (must be fudge or skip)"),
        };
    }

    private static string Resolve(string format) => GoTime.Named.TryGetValue(format, out var layout) ? layout : format;

    protected override bool Apply(PipelineEntry entry)
    {
        var value = entry.ExtractedString(_source);
        if (value == null)
            return true;
        foreach (var f in _formats)
        {
            if (TryParse(value, f, _location, out var ns))
            {
                entry.TimestampNs = ns;
                if (_fudge)
                    _lastByStream[StreamKey(entry)] = ns;
                return true;
            }
        }
        if (_fudge && _lastByStream.TryGetValue(StreamKey(entry), out var last))
        {
            entry.TimestampNs = last + 1;
            _lastByStream[StreamKey(entry)] = last + 1;
        }
        return true;
    }

    private static string StreamKey(PipelineEntry e)
    {
        var keys = e.Labels.Keys.ToArray();
        Array.Sort(keys, StringComparer.Ordinal);
        return string.Join(',', keys.Select(k => k + "=" + e.Labels[k]));
    }

    /// <summary>Parses one value with one (resolved) format.</summary>
    public static bool TryParse(string value, string format, TimeZoneInfo? location, out long unixNs)
    {
        unixNs = 0;
        switch (format)
        {
            case "Unix":
                if (decimal.TryParse(value, NumberStyles.AllowDecimalPoint | NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var sec))
                {
                    unixNs = (long)(sec * TimeNs.PerSecond);
                    return true;
                }
                return false;
            case "UnixMs":
                return Scaled(value, TimeNs.PerMillisecond, out unixNs);
            case "UnixUs":
                return Scaled(value, TimeNs.PerMicrosecond, out unixNs);
            case "UnixNs":
                return Scaled(value, 1, out unixNs);
            default:
                // Promtail gives layouts without a year (Stamp, Kitchen …) the current year.
                return GoTime.TryParse(value, format, location, out unixNs, out _, yearIfMissing: DateTime.UtcNow.Year);
        }
    }

    private static bool Scaled(string value, long scale, out long ns)
    {
        ns = 0;
        if (!long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n))
            return false;
        ns = n * scale;
        return true;
    }
}
