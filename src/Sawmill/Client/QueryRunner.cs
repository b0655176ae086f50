using System.Globalization;
using System.Text.Json;

namespace Sawmill.Client;

/// <summary>
/// Runs <c>sawmill query</c>: a log query fetched in batches of <c>--batch</c> entries until <c>--limit</c> is reached
/// (so a download can go past the server's per-query limit), or split into <c>--parallel-duration</c> jobs run by
/// <c>--parallel-max-workers</c> workers, optionally each into its own part file. Metric results are printed as JSON,
/// as logcli does.
/// </summary>
internal sealed class QueryRunner(LokiClient client, ClientSettings settings, TextWriter stdout, TextWriter stderr)
{
    public required LabelSelection Labels { get; init; }
    public bool Color { get; init; }
    public bool Progress { get; init; }

    public sealed record RangeRequest(string Query, long StartNs, long EndNs, int Limit, int Batch, bool Forward, string? Step, string? Interval);

    /// <summary>Runs a range query and prints it; returns the number of entries printed.</summary>
    public async Task<long> RunRangeAsync(RangeRequest r, CancellationToken ct)
    {
        var printer = new LogPrinter(stdout, settings.Output, settings.UtcTimezone, Color, Labels);
        return await FetchAsync(r, printer, printHeader: !settings.Quiet, ct);
    }

    private async Task<long> FetchAsync(RangeRequest r, LogPrinter printer, bool printHeader, CancellationToken ct)
    {
        long printed = 0;
        var start = r.StartNs;
        var end = r.EndNs;
        // Entries already printed at the batch boundary timestamp, which the next batch asks for again.
        var boundary = new HashSet<(long, string, string)>();
        long boundaryTs = long.MinValue;
        var first = true;
        while (true)
        {
            var want = r.Limit == 0 ? r.Batch : (int)Math.Min(r.Batch, r.Limit - printed);
            if (want <= 0)
                break;
            // The next request starts at the boundary timestamp again, so it also returns the entries already printed
            // there; ask for those too, but never for more than --batch (the server's max_entries_limit_per_query is
            // usually the batch size people choose). Fewer fresh entries just means one more round — unless a whole batch
            // shares one timestamp, when only a larger request can get past it.
            var ask = boundary.Count >= r.Batch ? want + boundary.Count : Math.Max(want, Math.Min(want + boundary.Count, r.Batch));
            var path = LokiClient.Path("/loki/api/v1/query_range", [
                new("query", r.Query),
                new("start", LokiClient.Ns(start)),
                new("end", LokiClient.Ns(end)),
                new("limit", ask.ToString(CultureInfo.InvariantCulture)),
                new("direction", r.Forward ? "forward" : "backward"),
                new("step", r.Step),
                new("interval", r.Interval),
            ]);
            if (first && printHeader)
                stderr.WriteLine(client.Url(path));
            using var doc = await client.GetJsonAsync(path, ct);
            var data = doc.RootElement.GetProperty("data");
            var resultType = data.GetProperty("resultType").GetString();
            if (resultType != "streams")
            {
                PrintMetric(data);
                PrintStats(doc.RootElement);
                return 0;
            }
            var (entries, streams) = ReadStreams(data.GetProperty("result"), r.Forward);
            if (first)
            {
                printer.CommonLabels = LabelSelection.Common(streams);
                if (printHeader && printer.CommonLabels.Count > 0 && settings.Output == OutputMode.Default)
                    stderr.WriteLine("Common labels: " + LogPrinter.FormatLabels(printer.CommonLabels));
                PrintStats(doc.RootElement);
            }
            first = false;
            var fresh = 0;
            foreach (var e in entries)
            {
                var key = (e.TimestampNs, e.LabelsKey, e.Line);
                if (e.TimestampNs == boundaryTs && boundary.Contains(key))
                    continue;
                if (r.Limit != 0 && printed >= r.Limit)
                    break;
                printer.Print(e);
                printed++;
                fresh++;
                if (e.TimestampNs != boundaryTs)
                {
                    boundary.Clear();
                    boundaryTs = e.TimestampNs;
                }
                boundary.Add(key);
            }
            if (Progress && printed > 0)
                stderr.Write($"\r{printed} lines fetched\e[K");
            if (entries.Count < ask || fresh == 0)
                break;
            // Ask again from the last timestamp (inclusive), skipping what was printed at exactly that time.
            if (r.Forward)
                start = boundaryTs;
            else
                end = boundaryTs + 1;
        }
        if (Progress && printed > 0)
            stderr.Write("\r\e[K");
        return printed;
    }

    /// <summary>Runs the query as <c>--parallel-duration</c> jobs; with a part prefix each job writes its own file.</summary>
    public async Task<long> RunParallelAsync(RangeRequest r, TimeSpan jobLength, int workers, string? partPrefix,
        bool overwriteCompleted, bool mergeParts, bool keepParts, CancellationToken ct)
    {
        var jobs = new List<(long Start, long End)>();
        var stepNs = jobLength.Ticks * 100;
        for (var s = r.StartNs; s < r.EndNs; s += stepNs)
            jobs.Add((s, Math.Min(s + stepNs, r.EndNs)));
        if (!r.Forward)
            jobs.Reverse();
        var queue = new System.Collections.Concurrent.ConcurrentQueue<(long Start, long End)>(jobs);
        long total = 0;
        var consoleLock = new object();
        var completed = new TaskCompletionSource[jobs.Count];
        for (var i = 0; i < completed.Length; i++)
            completed[i] = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var index = jobs.Select((j, i) => (j, i)).ToDictionary(x => x.j, x => x.i);

        async Task Worker()
        {
            while (queue.TryDequeue(out var job))
            {
                var request = r with { StartNs = job.Start, EndNs = job.End, Limit = 0 };
                try
                {
                    if (partPrefix != null)
                    {
                        var final = PartPath(partPrefix, job.Start, job.End);
                        if (File.Exists(final) && !overwriteCompleted)
                            continue;
                        var tmp = final + ".tmp";
                        await using (var file = new StreamWriter(tmp))
                        {
                            var printer = new LogPrinter(file, settings.Output, settings.UtcTimezone, false, Labels);
                            var n = await FetchAsync(request, printer, printHeader: false, ct);
                            Interlocked.Add(ref total, n);
                        }
                        File.Move(tmp, final, overwrite: true);
                    }
                    else
                    {
                        var buffer = new StringWriter();
                        var printer = new LogPrinter(buffer, settings.Output, settings.UtcTimezone, Color, Labels);
                        var n = await FetchAsync(request, printer, printHeader: false, ct);
                        Interlocked.Add(ref total, n);
                        lock (consoleLock)
                            stdout.Write(buffer.ToString());
                    }
                    if (Progress)
                    {
                        lock (consoleLock)
                            stderr.Write($"\r{Interlocked.Read(ref total)} lines fetched, {jobs.Count - queue.Count} of {jobs.Count} jobs started\e[K");
                    }
                }
                finally
                {
                    completed[index[job]].TrySetResult();
                }
            }
        }

        var tasks = Enumerable.Range(0, Math.Max(1, workers)).Select(_ => Task.Run(Worker, ct)).ToList();
        if (partPrefix != null && mergeParts)
        {
            // Print parts in query order as soon as each one is complete.
            for (var i = 0; i < jobs.Count; i++)
            {
                await completed[i].Task.WaitAsync(ct);
                var path = PartPath(partPrefix, jobs[i].Start, jobs[i].End);
                if (!File.Exists(path))
                    continue;
                using (var reader = new StreamReader(path))
                {
                    string? line;
                    while ((line = await reader.ReadLineAsync(ct)) != null)
                        stdout.WriteLine(line);
                }
                if (!keepParts)
                    File.Delete(path);
            }
        }
        await Task.WhenAll(tasks);
        if (Progress)
            stderr.Write("\r\e[K");
        return total;
    }

    /// <summary>logcli's part file name: <c>prefix_20210119T183000_20210119T184500.part</c> (UTC).</summary>
    public static string PartPath(string prefix, long startNs, long endNs)
    {
        static string F(long ns) => DateTime.UnixEpoch.AddTicks(ns / 100).ToString("yyyyMMdd'T'HHmmss", CultureInfo.InvariantCulture);
        return $"{prefix}_{F(startNs)}_{F(endNs)}.part";
    }

    public async Task RunInstantAsync(string query, long timeNs, int limit, bool forward, CancellationToken ct)
    {
        var path = LokiClient.Path("/loki/api/v1/query", [
            new("query", query),
            new("time", LokiClient.Ns(timeNs)),
            new("limit", limit.ToString(CultureInfo.InvariantCulture)),
            new("direction", forward ? "forward" : "backward"),
        ]);
        if (!settings.Quiet)
            stderr.WriteLine(client.Url(path));
        using var doc = await client.GetJsonAsync(path, ct);
        var data = doc.RootElement.GetProperty("data");
        if (data.GetProperty("resultType").GetString() == "streams")
        {
            var printer = new LogPrinter(stdout, settings.Output, settings.UtcTimezone, Color, Labels);
            var (entries, streams) = ReadStreams(data.GetProperty("result"), forward);
            printer.CommonLabels = LabelSelection.Common(streams);
            foreach (var e in entries)
                printer.Print(e);
        }
        else
        {
            PrintMetric(data);
        }
        PrintStats(doc.RootElement);
    }

    private void PrintMetric(JsonElement data)
    {
        var options = new JsonWriterOptions { Indented = settings.Output != OutputMode.Jsonl, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms, options))
            data.GetProperty("result").WriteTo(w);
        stdout.WriteLine(System.Text.Encoding.UTF8.GetString(ms.ToArray()));
    }

    private void PrintStats(JsonElement root)
    {
        if (!settings.Stats || !root.GetProperty("data").TryGetProperty("stats", out var stats))
            return;
        if (stats.TryGetProperty("summary", out var summary))
        {
            foreach (var p in summary.EnumerateObject())
                stderr.WriteLine($"Summary.{Capitalize(p.Name)} {p.Value}");
        }
        foreach (var section in stats.EnumerateObject())
        {
            if (section.Name == "summary" || section.Value.ValueKind != JsonValueKind.Object)
                continue;
            Flatten(Capitalize(section.Name), section.Value);
        }

        void Flatten(string prefix, JsonElement e)
        {
            foreach (var p in e.EnumerateObject())
            {
                if (p.Value.ValueKind == JsonValueKind.Object)
                    Flatten(prefix + "." + Capitalize(p.Name), p.Value);
                else
                    stderr.WriteLine($"{prefix}.{Capitalize(p.Name)} {p.Value}");
            }
        }
    }

    private static string Capitalize(string s) => s.Length == 0 ? s : char.ToUpperInvariant(s[0]) + s[1..];

    /// <summary>Flattens a streams result into entries sorted in the query's direction.</summary>
    internal static (List<LogEntry> Entries, List<IReadOnlyDictionary<string, string>> Streams) ReadStreams(JsonElement result, bool forward)
    {
        var entries = new List<LogEntry>();
        var streams = new List<IReadOnlyDictionary<string, string>>();
        foreach (var s in result.EnumerateArray())
        {
            var labels = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var p in s.GetProperty("stream").EnumerateObject())
                labels[p.Name] = p.Value.GetString() ?? "";
            streams.Add(labels);
            var key = LogPrinter.FormatLabels(labels);
            foreach (var v in s.GetProperty("values").EnumerateArray())
            {
                var ts = long.Parse(v[0].GetString()!, CultureInfo.InvariantCulture);
                entries.Add(new LogEntry(ts, v[1].GetString() ?? "", labels, key));
            }
        }
        entries.Sort((a, b) =>
        {
            var c = a.TimestampNs.CompareTo(b.TimestampNs);
            if (c == 0)
                c = string.CompareOrdinal(a.LabelsKey, b.LabelsKey);
            return forward ? c : -c;
        });
        return (entries, streams);
    }
}
