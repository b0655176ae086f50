using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Sawmill.Core;
using Sawmill.Core.Protocol;

namespace Sawmill.Commands;

/// <summary>
/// <c>sawmill bench load</c> and <c>sawmill bench search</c>: issue 16's data set and queries.
/// load pushes <see cref="MixGenerator"/>'s mix of a given raw size to a running server as historical entries spread
/// evenly over a span ending now (in order per stream, several streams per request), then waits until the server's head
/// is empty (every chunk flushed to blocks on disk — the server must run with a short <c>chunk_idle_period</c>, see
/// docs/bench.md). search runs the issue's queries over the data's time range, checks the planted lines are found
/// (the phrase 53 times, each known id once) and reports wall times, the stats block and the server's peak RSS during
/// each query (Linux: <c>VmHWM</c> after resetting it through <c>/proc/PID/clear_refs</c>).
/// </summary>
internal static class MixBench
{
    public sealed record LoadOptions(string Url, string? Tenant, double SizeGiB, int Streams, TimeSpan Span, int Clients, int LinesPerRequest, int StreamsPerRequest, int Seed, TimeSpan Settle);

    public static async Task<int> LoadAsync(LoadOptions o)
    {
        var rawBytes = (long)(o.SizeGiB * (1L << 30));
        var perStream = MixGenerator.LinesFor(rawBytes, o.Streams, o.Seed);
        var end = TimeNs.Now() - TimeNs.PerSecond;
        var spanNs = (long)(o.Span.TotalMilliseconds * TimeNs.PerMillisecond);
        var start = end - spanNs;
        var step = Math.Max(1, spanNs / perStream);
        Console.WriteLine($"load: {o.SizeGiB} GiB ≈ {perStream:N0} lines × {o.Streams} streams, timestamps {TimeNs.ToRfc3339Nano(start)} … {TimeNs.ToRfc3339Nano(end)} (seed {o.Seed})");
        var labels = Enumerable.Range(0, o.Streams).Select(MixGenerator.StreamLabels).ToArray();
        long sentLines = 0, sentBytes = 0, failed = 0;
        var pid = BenchCommand.FindServerPid(o.Url);
        var cpuStart = pid is { } p0 ? BenchCommand.ReadCpuSeconds(p0) : null;
        var sw = Stopwatch.StartNew();
        var linesPerStreamRequest = Math.Max(1, o.LinesPerRequest / o.StreamsPerRequest);
        var tasks = Enumerable.Range(0, o.Clients).Select(c => Task.Run(async () =>
        {
            var gen = new MixGenerator(o.Seed, o.Streams, perStream);
            using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 1 }) { BaseAddress = new Uri(o.Url), Timeout = TimeSpan.FromMinutes(5) };
            if (o.Tenant != null)
                http.DefaultRequestHeaders.Add("X-Scope-OrgID", o.Tenant);
            var mine = Enumerable.Range(0, o.Streams).Where(s => s % o.Clients == c).ToArray();
            var next = new long[mine.Length];
            var encoded = new System.Buffers.ArrayBufferWriter<byte>(1 << 20);
            var turn = 0;
            while (true)
            {
                var streams = new List<PushStream>(o.StreamsPerRequest);
                long bytes = 0, lines = 0;
                for (var k = 0; k < mine.Length && streams.Count < o.StreamsPerRequest; k++)
                {
                    var i = (turn + k) % mine.Length;
                    if (next[i] >= perStream)
                        continue;
                    var s = mine[i];
                    var entries = new List<PushEntry>(linesPerStreamRequest);
                    for (var j = 0; j < linesPerStreamRequest && next[i] < perStream; j++, next[i]++)
                    {
                        var ts = start + next[i] * step + s;
                        var line = Encoding.UTF8.GetBytes(gen.Line(s, next[i], ts));
                        entries.Add(new PushEntry(ts, line));
                        bytes += line.Length;
                    }
                    lines += entries.Count;
                    streams.Add(new PushStream(labels[s], entries));
                }
                turn += o.StreamsPerRequest;
                if (streams.Count == 0)
                    return;
                encoded.ResetWrittenCount();
                PushRequestEncoder.Encode(streams, encoded);
                var content = new ByteArrayContent(Snappier.Snappy.CompressToArray(encoded.WrittenSpan));
                content.Headers.ContentType = new MediaTypeHeaderValue("application/x-protobuf");
                using var r = await http.PostAsync("/loki/api/v1/push", content);
                if (!r.IsSuccessStatusCode)
                {
                    if (Interlocked.Increment(ref failed) <= 3)
                        Console.Error.WriteLine($"\npush answered {(int)r.StatusCode}: {(await r.Content.ReadAsStringAsync()).Trim()}");
                    continue;
                }
                var total = Interlocked.Add(ref sentLines, lines);
                Interlocked.Add(ref sentBytes, bytes);
                if (c == 0 && turn % (o.StreamsPerRequest * 20) == 0)
                    Console.Error.Write($"\r{Interlocked.Read(ref sentBytes) / (double)(1L << 30),7:F3} GiB  {total,12:N0} lines  {total / sw.Elapsed.TotalSeconds,10:N0} lines/s   ");
            }
        })).ToArray();
        await Task.WhenAll(tasks);
        var elapsed = sw.Elapsed.TotalSeconds;
        var cpu = pid is { } p1 && cpuStart is { } c0 && BenchCommand.ReadCpuSeconds(p1) is { } c1 ? c1 - c0 : (double?)null;
        Console.Error.WriteLine();
        Console.WriteLine($"  pushed {sentLines:N0} lines, {sentBytes / (double)(1L << 30):F3} GiB of lines in {elapsed:F1} s: {sentLines / elapsed:N0} lines/s" +
            (cpu is { } cs ? $"; server CPU {cs:F1} s = {cs / sentLines * 1e6:F2} µs per line" : "") + $"; load average {BenchCommand.LoadAverage()}");
        var g = new MixGenerator(o.Seed, o.Streams, perStream);
        Console.WriteLine($"  known request_id {MixGenerator.KnownRequestId} in {labels[g.KnownRequestAt.Stream]}, known trace_id {MixGenerator.KnownTraceId} in {labels[g.KnownTraceAt.Stream]}, phrase \"{MixGenerator.Phrase}\" in {MixGenerator.PhraseHits} lines");
        if (failed > 0)
            return 1;
        if (o.Settle > TimeSpan.Zero)
            return await SettleAsync(o.Url, o.Settle) ? 0 : 1;
        return 0;
    }

    /// <summary>Waits until the server's head holds nothing (metric <c>sawmill_store_head_entries</c> = 0).</summary>
    private static async Task<bool> SettleAsync(string url, TimeSpan timeout)
    {
        using var http = new HttpClient { BaseAddress = new Uri(url) };
        var sw = Stopwatch.StartNew();
        while (sw.Elapsed < timeout)
        {
            var text = await http.GetStringAsync("/metrics");
            var line = text.Split('\n').FirstOrDefault(l => l.StartsWith("sawmill_store_head_entries ", StringComparison.Ordinal));
            if (line != null && double.Parse(line.Split(' ')[1], CultureInfo.InvariantCulture) == 0)
            {
                Console.WriteLine($"  settled: every chunk flushed to disk after {sw.Elapsed.TotalSeconds:F0} s");
                return true;
            }
            await Task.Delay(1000);
        }
        Console.Error.WriteLine($"sawmill bench: the head still holds entries after {timeout.TotalSeconds:F0} s (is chunk_idle_period short? see docs/bench.md)");
        return false;
    }

    public sealed record SearchOptions(string Url, string? Tenant, int Repeat, int Limit, IReadOnlyList<string> Queries, int? Pid);

    /// <summary>The issue's queries with what each must find (null: a metric query, not checked).</summary>
    public static IReadOnlyList<(string Name, string Query, int? Hits)> Queries() =>
    [
        ("phrase", $"{{app=~\".+\"}} |= \"{MixGenerator.Phrase}\"", MixGenerator.PhraseHits),
        ("json id", $"{{app=~\".+\"}} | json | request_id=\"{MixGenerator.KnownRequestId}\"", 1),
        ("id", $"{{app=~\".+\"}} |= \"{MixGenerator.KnownRequestId}\"", 1),
        ("logfmt id", $"{{app=~\".+\"}} | logfmt | trace_id=\"{MixGenerator.KnownTraceId}\"", 1),
        ("5xx rate", "sum(rate({format=\"json\"} | json | status_code >= 500 [5m]))", null),
        ("p99 latency", "quantile_over_time(0.99, {app=~\".+\"} | json | unwrap latency_ms [5m]) by (app)", null),
        ("count by level", "sum by (level) (count_over_time({app=~\".+\"}[1m]))", null),
    ];

    public static async Task<int> SearchAsync(SearchOptions o)
    {
        using var http = new HttpClient { BaseAddress = new Uri(o.Url), Timeout = TimeSpan.FromMinutes(10) };
        if (o.Tenant != null)
            http.DefaultRequestHeaders.Add("X-Scope-OrgID", o.Tenant);
        var pid = o.Pid ?? BenchCommand.FindServerPid(o.Url);
        // The data's range: the first and the last entry of any stream within the last 7 days.
        var now = TimeNs.Now();
        var first = await EdgeAsync(http, now - 7 * 24 * TimeNs.PerHour, now, "forward");
        var last = await EdgeAsync(http, now - 7 * 24 * TimeNs.PerHour, now, "backward");
        if (first == null || last == null)
            return Fail("no data found in the last 7 days (run bench load first)");
        var start = first.Value;
        var end = last.Value + 1;
        long dataBytes, entries;
        using (var st = await BenchCommand.GetJsonAsync(http, "/loki/api/v1/index/stats", ("query", "{app=~\".+\"}"), ("start", Str(start)), ("end", Str(end))))
        {
            dataBytes = st.RootElement.GetProperty("bytes").GetInt64();
            entries = st.RootElement.GetProperty("entries").GetInt64();
            Console.WriteLine($"data: {st.RootElement.GetProperty("streams").GetInt64():N0} streams, {entries:N0} entries, {dataBytes / (double)(1L << 30):F3} GiB of lines, {TimeNs.ToRfc3339Nano(start)} … {TimeNs.ToRfc3339Nano(end)}; server RSS {(pid is { } p ? BenchCommand.ReadRssKb(p) / 1024 : null):N0} MiB; load average {BenchCommand.LoadAverage()}");
        }
        var queries = o.Queries.Count > 0 ? o.Queries.Select(q => ("query", q, (int?)null)).ToList() : Queries().ToList();
        var status = 0;
        Console.WriteLine($"{"query",-16} {"best s",8} {"median s",9} {"found",9} {"lines read",12} {"GiB read",9} {"chunks",7} {"skipped",8} {"peak RSS MiB",13}  load");
        foreach (var (name, q, hits) in queries)
        {
            var walls = new List<double>();
            long found = 0, lines = 0, bytes = 0, chunks = 0, skipped = 0, peak = 0;
            for (var i = 0; i < o.Repeat; i++)
            {
                if (pid is { } rp)
                    ResetPeakRss(rp);
                var sw = Stopwatch.StartNew();
                using var doc = await BenchCommand.GetJsonAsync(http, "/loki/api/v1/query_range", ("query", q), ("start", Str(start)), ("end", Str(end)),
                    ("step", "60"), ("limit", o.Limit.ToString(CultureInfo.InvariantCulture)));
                walls.Add(sw.Elapsed.TotalSeconds);
                if (pid is { } hp && PeakRssKb(hp) is { } kb)
                    peak = Math.Max(peak, kb);
                var data = doc.RootElement.GetProperty("data");
                var stats = data.GetProperty("stats");
                var summary = stats.GetProperty("summary");
                lines = summary.GetProperty("totalLinesProcessed").GetInt64();
                bytes = summary.GetProperty("totalBytesProcessed").GetInt64();
                var store = stats.GetProperty("querier").GetProperty("store");
                chunks = store.TryGetProperty("totalChunksRef", out var cr) ? cr.GetInt64() : 0;
                skipped = chunks - (store.TryGetProperty("totalChunksDownloaded", out var cd) ? cd.GetInt64() : chunks);
                found = 0;
                foreach (var s in data.GetProperty("result").EnumerateArray())
                    found += data.GetProperty("resultType").GetString() == "streams" ? s.GetProperty("values").GetArrayLength() : 1;
            }
            walls.Sort();
            var check = hits is { } h && found != h ? $"  WRONG: expected {h}" : "";
            if (check.Length > 0)
                status = 1;
            Console.WriteLine($"{name,-16} {walls[0],8:F3} {walls[walls.Count / 2],9:F3} {found,9:N0} {lines,12:N0} {bytes / (double)(1L << 30),9:F3} {chunks,7:N0} {skipped,8:N0} {peak / 1024.0,13:N0}  {BenchCommand.LoadAverage()}{check}");
            Console.WriteLine($"    {q}");
        }
        return status;
    }

    private static async Task<long?> EdgeAsync(HttpClient http, long start, long end, string direction)
    {
        using var doc = await BenchCommand.GetJsonAsync(http, "/loki/api/v1/query_range", ("query", "{app=~\".+\"}"), ("start", Str(start)), ("end", Str(end)),
            ("limit", "1"), ("direction", direction));
        foreach (var s in doc.RootElement.GetProperty("data").GetProperty("result").EnumerateArray())
            foreach (var v in s.GetProperty("values").EnumerateArray())
                return long.Parse(v[0].GetString()!, CultureInfo.InvariantCulture);
        return null;
    }

    private static string Str(long v) => v.ToString(CultureInfo.InvariantCulture);

    private static int Fail(string message)
    {
        Console.Error.WriteLine("sawmill bench: " + message);
        return 1;
    }

    /// <summary>Resets the process's peak RSS (Linux: writing 5 to <c>/proc/PID/clear_refs</c>); ignored elsewhere.</summary>
    private static void ResetPeakRss(int pid)
    {
        try
        {
            File.WriteAllText($"/proc/{pid}/clear_refs", "5");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }

    private static long? PeakRssKb(int pid) => BenchCommand.ReadStatusKb(pid, "VmHWM:");
}
