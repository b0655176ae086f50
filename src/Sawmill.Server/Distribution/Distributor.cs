using System.Text;
using Sawmill.Core;
using Sawmill.GoCompat;
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
        // Loki parses every stream's labels before anything else: one it cannot parse fails the whole request.
        var parsed = new List<List<Label>>(raw.Count);
        foreach (var stream in raw)
        {
            var pairs = LabelsText.TryParse(stream.LabelsText, out var parseError);
            if (pairs == null)
            {
                Discard(tenant, "invalid_labels", stream.Entries, new GroupedErrors(), "");
                return new PushOutcome(400, "couldn't parse labels: " + parseError, 0, stream.Entries.Count);
            }
            AddServiceName(pairs, l.DiscoverServiceName);
            parsed.Add(pairs);
        }

        var errors = new GroupedErrors();
        var storeRejects = new List<RejectedEntry>();
        var streamTotals = new Dictionary<Labels, int>();
        var valid = new List<PushStream>(raw.Count);
        long total = 0, rejected = 0, validBytes = 0, validLines = 0;
        var now = _now();
        var oldest = now - l.RejectOldSamplesMaxAge.Ticks * 100;
        var newest = now + l.CreationGracePeriod.Ticks * 100;

        for (var si = 0; si < raw.Count; si++)
        {
            var stream = raw[si];
            // A stream without entries is skipped before validation, as in Loki.
            if (stream.Entries.Count == 0)
                continue;
            total += stream.Entries.Count;
            var labels = ValidateLabels(parsed[si], l, out var labelError, out var reason);
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
                if (!l.UnorderedWrites && entry.TimestampNs < last)
                {
                    // Loki's ingester refuses it; reported like the store's refusals below.
                    ServerMetrics.DiscardedSamples.WithLabels(tenant, "out_of_order").Inc();
                    ServerMetrics.DiscardedBytes.WithLabels(tenant, "out_of_order").Inc(entry.Line.Length);
                    storeRejects.Add(new RejectedEntry(labels, entry.TimestampNs, entry.Line.Length, "entry out of order"));
                    streamTotals[labels] = stream.Entries.Count;
                    rejected++;
                    continue;
                }
                if (l.MaxLineSize > 0 && entry.Line.Length > l.MaxLineSize && l.MaxLineSizeTruncate)
                    entry = entry with { Line = entry.Line[..(int)l.MaxLineSize] };
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
                    Discard(tenant, "line_too_long", entry.Line.Length, errors,
                        $"max entry size '{l.MaxLineSize}' bytes exceeded for stream '{labels}' while adding an entry with length '{entry.Line.Length}' bytes");
                    rejected++;
                    continue;
                }
                if (entry.Metadata != null && !l.AllowStructuredMetadata)
                {
                    Discard(tenant, "disallowed_structured_metadata", entry.Line.Length, errors,
                        $"stream '{labels}' includes structured metadata, but this feature is disallowed. Please see `limits_config.allow_structured_metadata` or contact your Loki administrator to enable it");
                    rejected++;
                    continue;
                }
                if (l.DiscoverLogLevels && l.AllowStructuredMetadata)
                    entry = WithDetectedLevel(labels, entry, l);
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
                    $"ingestion rate limit exceeded for user {tenant} (limit: {(long)rate} bytes/sec) while attempting to ingest '{validLines}' lines totaling '{validBytes}' bytes, reduce log volume or contact your Loki administrator to see if the limit can be increased",
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
                    ServerMetrics.DiscardedSamples.WithLabels(tenant, "out_of_order").Inc();
                    ServerMetrics.DiscardedBytes.WithLabels(tenant, "out_of_order").Inc(r.LineBytes);
                    storeRejects.Add(r);
                    rejected++;
                }
                foreach (var s in valid)
                    streamTotals.TryAdd(s.Labels, s.Entries.Count);
            }
        }

        // Validation errors win over the store's refusals (Loki answers the distributor's errors first).
        if (errors.Count > 0)
            return new PushOutcome(400, errors.ToString(), accepted, rejected);
        if (storeRejects.Count == 0)
            return new PushOutcome(204, null, accepted, 0);
        return new PushOutcome(400, StoreRejection(tenant, storeRejects, streamTotals), accepted, rejected);
    }

    /// <summary>
    /// Refused entries reported as Loki's ingester does, for the first stream that had any: one line per entry (at
    /// most 10), then <c>user 'T', total ignored: N out of M for stream: {…}</c>.
    /// </summary>
    private static string StoreRejection(string tenant, List<RejectedEntry> rejects, Dictionary<Labels, int> totals)
    {
        var stream = rejects[0].Stream;
        var mine = rejects.Where(r => r.Stream.Equals(stream)).ToList();
        var body = new StringBuilder();
        foreach (var r in mine.Take(MaxReportedErrors))
            body.Append("entry with timestamp ").Append(GoTimeString(r.TimestampNs)).Append(" ignored, reason: '").Append(r.Reason).Append("',\n");
        var total = totals.TryGetValue(stream, out var t) ? t : mine.Count;
        body.Append("user '").Append(tenant).Append("', total ignored: ").Append(mine.Count).Append(" out of ").Append(total)
            .Append(" for stream: ").Append(stream);
        return body.ToString();
    }

    /// <summary>Go's time.Time.String() in UTC: <c>2024-02-12 10:01:40.5 +0000 UTC</c>.</summary>
    private static string GoTimeString(long ns)
    {
        var seconds = Math.DivRem(ns, TimeNs.PerSecond, out var frac);
        if (frac < 0)
        {
            frac += TimeNs.PerSecond;
            seconds--;
        }
        var text = DateTime.UnixEpoch.AddSeconds(seconds).ToString("yyyy-MM-dd HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture);
        if (frac != 0)
            text += "." + frac.ToString("D9", System.Globalization.CultureInfo.InvariantCulture).TrimEnd('0');
        return text + " +0000 UTC";
    }

    /// <summary>
    /// Loki's grouped validation errors: each distinct message once, and when there is more than one message or one
    /// occurs more than once, each prefixed with its count (<c>2 errors like: …; 1 errors like: …</c>). Loki lists
    /// the groups in hash-map order; these are in order of first occurrence.
    /// </summary>
    private sealed class GroupedErrors
    {
        private readonly List<string> _order = [];
        private readonly Dictionary<string, int> _counts = new(StringComparer.Ordinal);

        public int Count => _order.Count;

        public void Add(string message)
        {
            if (_counts.TryGetValue(message, out var n))
            {
                _counts[message] = n + 1;
                return;
            }
            _counts[message] = 1;
            _order.Add(message);
        }

        public override string ToString()
        {
            var sb = new StringBuilder();
            foreach (var m in _order)
            {
                if (sb.Length > 0)
                    sb.Append("; ");
                if (_order.Count > 1 || _counts[m] > 1)
                    sb.Append(_counts[m]).Append(" errors like: ");
                sb.Append(m);
            }
            return sb.ToString();
        }
    }

    private List<PushStream> ApplyStreamLimits(string tenant, LimitsConfig l, List<PushStream> streams, GroupedErrors errors, out string? streamLimitError)
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
                    streamLimitError = $"maximum active stream limit exceeded when trying to create stream {s.Labels}, reduce the number of active streams (reduce labels or reduce label values), or contact your Loki administrator to see if the limit can be increased, user: '{tenant}'";
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

    /// <summary>
    /// Loki 3's service_name discovery (limits_config.discover_service_name): a stream without service_name gets the
    /// value of the first listed label it has, else <c>unknown_service</c>. Loki's own internal streams (aggregated
    /// metrics, patterns) are left alone. <paramref name="pairs"/> stays sorted.
    /// </summary>
    private static void AddServiceName(List<Label> pairs, IReadOnlyList<string> discover)
    {
        if (discover.Count == 0 || pairs.Any(p => p.Name is "service_name" or "__aggregated_metric__" or "__pattern__"))
            return;
        var value = "unknown_service";
        foreach (var name in discover)
        {
            if (pairs.FirstOrDefault(p => p.Name == name) is { Value.Length: > 0 } found)
            {
                value = found.Value;
                break;
            }
        }
        var at = pairs.FindIndex(p => string.CompareOrdinal(p.Name, "service_name") > 0);
        pairs.Insert(at < 0 ? pairs.Count : at, new Label("service_name", value));
    }

    /// <summary>
    /// Loki 3's level discovery (limits_config.discover_log_levels): the entry gets a <c>detected_level</c>
    /// structured-metadata field, unless it has one, which is normalised instead.
    /// </summary>
    private static PushEntry WithDetectedLevel(Labels labels, PushEntry entry, LimitsConfig l)
    {
        var metadata = entry.Metadata;
        if (metadata != null)
        {
            for (var i = 0; i < metadata.Length; i++)
            {
                if (metadata[i].Name != LogLevelDetector.Label)
                    continue;
                var normalized = LogLevelDetector.Normalize(metadata[i].Value);
                if (normalized != metadata[i].Value)
                {
                    metadata = (Label[])metadata.Clone();
                    metadata[i] = new Label(LogLevelDetector.Label, normalized);
                    return entry with { Metadata = metadata };
                }
                return entry;
            }
        }
        var level = LogLevelDetector.Detect(labels, metadata, entry.Line.Span, l.LogLevelFields, l.LogLevelFromJsonMaxDepth);
        Label[] withLevel = metadata == null ? new Label[1] : [.. metadata, default];
        withLevel[^1] = new Label(LogLevelDetector.Label, level);
        return entry with { Metadata = withLevel };
    }

    /// <summary>Loki's label checks, in its order, on the parsed (sorted, empty values dropped) labels.</summary>
    private static Labels? ValidateLabels(List<Label> pairs, LimitsConfig l, out string? error, out string? reason)
    {
        error = null;
        reason = null;
        if (pairs.Count == 0)
        {
            reason = "missing_labels";
            error = "error at least one label pair is required per stream";
            return null;
        }
        var text = LabelsString(pairs);
        // Loki does not count service_name, which its own ingestion may add.
        var names = pairs.Count - (pairs.Any(p => p.Name == "service_name") ? 1 : 0);
        if (l.MaxLabelNamesPerSeries > 0 && names > l.MaxLabelNamesPerSeries)
        {
            reason = "max_label_names_per_series";
            error = $"entry for stream '{text}' has {names} label names; limit {l.MaxLabelNamesPerSeries}";
            return null;
        }
        string? previous = null;
        foreach (var p in pairs)
        {
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
            if (p.Name == previous)
            {
                reason = "duplicate_label_names";
                error = $"stream '{text}' has duplicate label name: '{p.Name}'";
                return null;
            }
            previous = p.Name;
        }
        return Labels.From(pairs);
    }

    /// <summary>Labels as Loki prints them (<c>{a="1", b="2"}</c>), duplicates included.</summary>
    private static string LabelsString(List<Label> pairs)
    {
        var sb = new StringBuilder("{");
        for (var i = 0; i < pairs.Count; i++)
        {
            if (i > 0)
                sb.Append(", ");
            sb.Append(pairs[i].Name).Append('=');
            GoQuote.Append(sb, pairs[i].Value);
        }
        return sb.Append('}').ToString();
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

    private static void Discard(string tenant, string reason, List<PushEntry> entries, GroupedErrors errors, string error)
    {
        long bytes = 0;
        foreach (var e in entries)
            bytes += e.Line.Length;
        Discard(tenant, reason, bytes, entries.Count, errors, error);
    }

    private static void Discard(string tenant, string reason, long bytes, GroupedErrors errors, string error) =>
        Discard(tenant, reason, bytes, 1, errors, error);

    private static void Discard(string tenant, string reason, long bytes, long count, GroupedErrors errors, string error)
    {
        ServerMetrics.DiscardedSamples.WithLabels(tenant, reason).Inc(count);
        ServerMetrics.DiscardedBytes.WithLabels(tenant, reason).Inc(bytes);
        errors.Add(error);
    }

    private static string Rfc3339(long ns) =>
        DateTime.UnixEpoch.AddTicks(ns / 100).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);
}
