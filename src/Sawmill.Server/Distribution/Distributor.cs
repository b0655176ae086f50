using System.Text;
using Sawmill.Core;
using Sawmill.Server.Config;
using Sawmill.Server.Protocol;
using Sawmill.Server.Telemetry;

namespace Sawmill.Server.Distribution;

/// <summary>
/// The write path in front of storage: validates decoded streams with Loki's rules and texts, applies the tenant's
/// rate and stream limits, hands the valid entries to the store and answers only after the store acknowledged them.
/// A partly invalid push keeps its valid entries and reports the rest (400), as Loki does. Thread-safe.
/// </summary>
public sealed class Distributor(ILogWriter writer, TenantLimits limits, Func<string, Labels, bool> streamExists, Func<string, int> streamCount, Func<long>? now = null)
{
    private const int MaxReportedErrors = 10;
    // With an injected clock (tests) the rate limits run on it too; otherwise on a monotonic clock.
    private readonly RateLimiter _tenantRate = new(now);
    private readonly RateLimiter _streamRate = new(now);
    private readonly Func<long> _now = now ?? TimeNs.Now;

    // unordered_writes: false — the newest acknowledged timestamp per stream (tenant + labels). Kept only for tenants
    // with ordered writes; entries older than it are rejected as Loki's ordered ingesters do. Not persisted: after a
    // restart the first push of a stream sets it again.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<(string Tenant, Labels Labels), long> _lastOrdered = new();

    /// <summary>
    /// Called after the store acknowledged a push, with the streams handed to it (live tail listens here). Runs on the
    /// push's thread, so it must be quick and must not throw.
    /// </summary>
    public Action<string, IReadOnlyList<PushStream>>? Pushed { get; set; }

    public async Task<PushOutcome> PushAsync(string tenant, List<RawStream> raw, CancellationToken cancellationToken)
    {
        var l = limits.For(tenant);
        var errors = new List<string>();
        var valid = new List<PushStream>(raw.Count);
        long total = 0, rejected = 0, validBytes = 0, validLines = 0;
        var now = _now();
        var oldest = now - l.RejectOldSamplesMaxAge.Ticks * 100;
        var newest = now + l.CreationGracePeriod.Ticks * 100;

        foreach (var stream in raw)
        {
            total += stream.Entries.Count;
            var labels = ValidateLabels(stream, l, out var labelError, out var reason);
            if (labels == null)
            {
                Discard(tenant, reason!, stream.Entries, errors, labelError!);
                rejected += stream.Entries.Count;
                continue;
            }
            var kept = new List<PushEntry>(stream.Entries.Count);
            var last = !l.UnorderedWrites && _lastOrdered.TryGetValue((tenant, labels), out var known) ? known : long.MinValue;
            foreach (var e in stream.Entries)
            {
                var entry = e;
                if (!l.UnorderedWrites)
                {
                    if (entry.TimestampNs < last)
                    {
                        Discard(tenant, "out_of_order", entry.Line.Length, errors,
                            $"entry with timestamp {Rfc3339(entry.TimestampNs)} ignored, reason: 'entry out of order' for stream: {labels}");
                        rejected++;
                        continue;
                    }
                }
                if (l.RejectOldSamples && entry.TimestampNs < oldest)
                {
                    Discard(tenant, "greater_than_max_sample_age", entry.Line.Length, errors,
                        $"entry for stream '{labels}' has timestamp too old: {Rfc3339(entry.TimestampNs)}, oldest acceptable timestamp is: {Rfc3339(oldest)}");
                    rejected++;
                    continue;
                }
                if (entry.TimestampNs > newest)
                {
                    Discard(tenant, "too_far_in_future", entry.Line.Length, errors,
                        $"entry for stream '{labels}' has timestamp too new: {Rfc3339(entry.TimestampNs)}");
                    rejected++;
                    continue;
                }
                if (l.MaxLineSize > 0 && entry.Line.Length > l.MaxLineSize)
                {
                    if (l.MaxLineSizeTruncate)
                    {
                        entry = entry with { Line = entry.Line[..(int)l.MaxLineSize] };
                    }
                    else
                    {
                        Discard(tenant, "line_too_long", entry.Line.Length, errors,
                            $"Max entry size '{l.MaxLineSize}' bytes exceeded for stream '{labels}' while adding an entry with length '{entry.Line.Length}' bytes");
                        rejected++;
                        continue;
                    }
                }
                kept.Add(entry);
                last = Math.Max(last, entry.TimestampNs);
                validBytes += entry.Line.Length;
            }
            if (kept.Count > 0)
            {
                valid.Add(new PushStream(labels, kept));
                validLines += kept.Count;
            }
        }

        if (valid.Count > 0)
        {
            var rate = l.IngestionRateMb * (1 << 20);
            var burst = l.IngestionBurstSizeMb * (1 << 20);
            if (!_tenantRate.TryTake(tenant, validBytes, rate, burst))
            {
                ServerMetrics.DiscardedSamples.WithLabels(tenant, "rate_limited").Inc(validLines);
                ServerMetrics.DiscardedBytes.WithLabels(tenant, "rate_limited").Inc(validBytes);
                return new PushOutcome(429,
                    $"Ingestion rate limit exceeded for user {tenant} (limit: {(long)rate} bytes/sec) while attempting to ingest '{validLines}' lines totaling '{validBytes}' bytes, reduce log volume or contact your Loki administrator to see if the limit can be increased",
                    0, total);
            }
            var limited = ApplyStreamLimits(tenant, l, valid, errors, out var streamLimitHit);
            if (limited.Count == 0 && streamLimitHit != null)
                return new PushOutcome(429, streamLimitHit, 0, total);
            valid = limited;
        }

        long accepted = 0;
        if (valid.Count > 0)
        {
            var result = await writer.PushAsync(tenant, valid, cancellationToken).ConfigureAwait(false);
            accepted = result.EntriesAppended;
            if (!l.UnorderedWrites)
                foreach (var s in valid)
                {
                    var newestTs = s.Entries.Max(e => e.TimestampNs);
                    _lastOrdered.AddOrUpdate((tenant, s.Labels), newestTs, (_, old) => Math.Max(old, newestTs));
                }
            Pushed?.Invoke(tenant, valid);
            ServerMetrics.LinesReceived.WithLabels(tenant).Inc(result.EntriesAppended + result.DuplicatesDropped);
            ServerMetrics.BytesReceived.WithLabels(tenant).Inc(result.BytesAppended);
            if (result.Rejected != null)
            {
                foreach (var r in result.Rejected)
                {
                    Discard(tenant, "out_of_order", r.LineBytes, errors, $"entry with timestamp {Rfc3339(r.TimestampNs)} ignored, reason: '{r.Reason}' for stream: {r.Stream}");
                    rejected++;
                }
            }
        }

        if (errors.Count == 0)
            return new PushOutcome(204, null, accepted, 0);
        var body = new StringBuilder();
        for (var i = 0; i < Math.Min(errors.Count, MaxReportedErrors); i++)
            body.Append(errors[i]).Append('\n');
        if (errors.Count > MaxReportedErrors)
            body.Append("and ").Append(errors.Count - MaxReportedErrors).Append(" more errors\n");
        body.Append("total ignored: ").Append(rejected).Append(" out of ").Append(total);
        return new PushOutcome(400, body.ToString(), accepted, rejected);
    }

    private List<PushStream> ApplyStreamLimits(string tenant, LimitsConfig l, List<PushStream> streams, List<string> errors, out string? streamLimitError)
    {
        streamLimitError = null;
        var result = new List<PushStream>(streams.Count);
        var count = streamCount(tenant);
        var perStreamRate = l.PerStreamRateLimitMb * 1e6;
        var perStreamBurst = Math.Max(l.PerStreamRateLimitBurstMb * 1e6, perStreamRate);
        foreach (var s in streams)
        {
            long bytes = 0;
            foreach (var e in s.Entries)
                bytes += e.Line.Length;
            if (!streamExists(tenant, s.Labels))
            {
                if (l.MaxGlobalStreamsPerUser > 0 && count >= l.MaxGlobalStreamsPerUser)
                {
                    streamLimitError = $"Maximum active stream limit exceeded, reduce the number of active streams (reduce labels or reduce label values), or contact your Loki administrator to see if the limit can be increased, user: '{tenant}'";
                    Discard(tenant, "stream_limit", bytes, s.Entries.Count, errors, streamLimitError);
                    continue;
                }
                count++;
            }
            if (!_streamRate.TryTake(tenant + "\u0000" + s.Labels.Hash, bytes, perStreamRate, perStreamBurst))
            {
                var rateError = $"Per stream rate limit exceeded (limit: {Human(perStreamRate)}/sec) while attempting to ingest for stream '{s.Labels}' totaling {Human(bytes)}, consider splitting a stream via additional labels or contact your Loki administrator to see if the limit can be increased";
                Discard(tenant, "per_stream_rate_limit", bytes, s.Entries.Count, errors, rateError);
                // Loki answers 429 for a stream over its rate (a retryable condition, unlike a validation error).
                streamLimitError ??= rateError;
                continue;
            }
            result.Add(s);
        }
        return result;
    }

    private static string Human(double bytes) => bytes >= 1e6 ? $"{bytes / 1e6:0.#}MB" : bytes >= 1e3 ? $"{bytes / 1e3:0.#}kB" : $"{bytes:0}B";

    private static Labels? ValidateLabels(RawStream stream, LimitsConfig l, out string? error, out string? reason)
    {
        error = null;
        reason = null;
        var pairs = LabelsText.TryParse(stream.LabelsText, out var parseError);
        if (pairs == null)
        {
            reason = "invalid_labels";
            error = $"Error parsing labels '{stream.LabelsText}' with error: {parseError}";
            return null;
        }
        if (pairs.Count == 0)
        {
            reason = "missing_labels";
            error = "error at least one label pair is required per stream";
            return null;
        }
        var text = stream.LabelsText;
        if (l.MaxLabelNamesPerSeries > 0 && pairs.Count > l.MaxLabelNamesPerSeries)
        {
            reason = "max_label_names_per_series";
            error = $"entry for stream '{text}' has {pairs.Count} label names; limit {l.MaxLabelNamesPerSeries}";
            return null;
        }
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var p in pairs)
        {
            if (!IsValidLabelName(p.Name))
            {
                reason = "invalid_labels";
                error = $"Error parsing labels '{text}' with error: invalid label name \"{p.Name}\": names must match [a-zA-Z_][a-zA-Z0-9_]*";
                return null;
            }
            if (p.Name.Length > l.MaxLabelNameLength)
            {
                reason = "label_name_too_long";
                error = $"stream '{text}' has label name too long: '{p.Name}'";
                return null;
            }
            if (p.Value.Length > l.MaxLabelValueLength)
            {
                reason = "label_value_too_long";
                error = $"stream '{text}' has label value too long: '{p.Value}'";
                return null;
            }
            if (!seen.Add(p.Name))
            {
                reason = "duplicate_label_names";
                error = $"stream '{text}' has duplicate label name: '{p.Name}'";
                return null;
            }
        }
        return Labels.From(pairs);
    }

    public static bool IsValidLabelName(string name)
    {
        if (name.Length == 0 || !(char.IsAsciiLetter(name[0]) || name[0] == '_'))
            return false;
        foreach (var c in name)
            if (!(char.IsAsciiLetterOrDigit(c) || c == '_'))
                return false;
        return true;
    }

    private static void Discard(string tenant, string reason, List<PushEntry> entries, List<string> errors, string error)
    {
        long bytes = 0;
        foreach (var e in entries)
            bytes += e.Line.Length;
        Discard(tenant, reason, bytes, entries.Count, errors, error);
    }

    private static void Discard(string tenant, string reason, long bytes, List<string> errors, string error) =>
        Discard(tenant, reason, bytes, 1, errors, error);

    private static void Discard(string tenant, string reason, long bytes, long count, List<string> errors, string error)
    {
        ServerMetrics.DiscardedSamples.WithLabels(tenant, reason).Inc(count);
        ServerMetrics.DiscardedBytes.WithLabels(tenant, reason).Inc(bytes);
        errors.Add(error);
    }

    private static string Rfc3339(long ns) =>
        DateTime.UnixEpoch.AddTicks(ns / 100).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);
}
