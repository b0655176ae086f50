using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Sawmill.Core;
using Sawmill.Core.Protocol;
using Sawmill.GoCompat;

namespace Sawmill.Commands;

/// <summary>
/// <c>sawmill bench push|query|restart</c>: the end-to-end load tool behind the README's performance figures.
/// <list type="bullet">
/// <item><c>push</c>: N clients send protobuf+snappy requests of L lines over S streams for a duration (or until a line
/// count), and report accepted lines/s, MB/s, request latency percentiles and the server's RSS over time.</item>
/// <item><c>query</c>: runs the needle (<c>|=</c>) and count (<c>sum by (level) (count_over_time(…[1m]))</c>) queries,
/// or any <c>-query</c>, several times and reports GiB/s of raw lines (from the <c>stats</c> block) and entries/s.</item>
/// <item><c>restart</c>: starts a server on an existing data directory and times it until <c>/ready</c> (WAL replay).</item>
/// </list>
/// Lines come from a seeded generator with the same mix as the tests' <c>LogGenerator</c> (JSON, logfmt, plain; about
/// 200 bytes): that file cannot be linked here because every test project that references this executable already
/// compiles it, and the duplicate public type would break their builds.
/// </summary>
internal static class BenchCommand
{
    private const string Needle = "NEEDLE-q7x9";

    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
        {
            Console.WriteLine(Usage);
            return args.Length == 0 ? 2 : 0;
        }
        Options o;
        try
        {
            o = Options.Parse(args[1..]);
        }
        catch (FormatException e)
        {
            Console.Error.WriteLine($"sawmill bench: {e.Message}");
            return 2;
        }
        try
        {
            return args[0] switch
            {
                "push" => await PushAsync(o),
                "query" => await QueryAsync(o),
                "restart" => await RestartAsync(o),
                "load" => await MixBench.LoadAsync(new MixBench.LoadOptions(o.Url, o.Tenant, o.SizeGiB, o.StreamsSet ? o.Streams : 120, o.Span, o.Clients, o.LinesPerRequest, o.StreamsPerRequest, o.Seed, o.Settle)),
                "search" => await MixBench.SearchAsync(new MixBench.SearchOptions(o.Url, o.Tenant, o.Repeat, o.Limit, o.Queries, o.Pid)),
                "retention" => await RetentionBench.RetentionAsync(o.DataDir, (long)(o.SizeGiB * 1024 * 1024 * 1024), o.Streams, o.Seed),
                "ratelimit" => await RetentionBench.RateLimitAsync(o.Url, o.Tenant ?? "fake", o.RateMb, o.Duration, o.Clients, o.LinesPerRequest, o.Seed),
                _ => Fail($"unknown bench \"{args[0]}\"; use push, query, load, search, restart, retention or ratelimit"),
            };
        }
        catch (HttpRequestException e)
        {
            return Fail($"cannot reach {o.Url}: {e.Message}");
        }
    }

    private static int Fail(string message)
    {
        Console.Error.WriteLine("sawmill bench: " + message);
        return 1;
    }

    private const string Usage = """
        Usage: sawmill bench push|query|load|search|restart|retention|ratelimit [flags]

        push    -url=http://127.0.0.1:3100 -clients=4 -streams=100 -lines-per-request=1000 -streams-per-request=10
                -duration=60s | -total-lines=N   -seed=1 -tenant=ID -pid=SERVER_PID (RSS; found automatically when local)
        query   -url=… -since=1h (or -start/-end, ns or RFC3339) -repeat=3 -query=LOGQL (repeatable; default: the
                needle and count queries) -selector={app=~".+"} -limit=5000 (log queries; above the needle's matches)
        load    -url=… -size-gib=1 -streams=120 -span=4h -clients=4 -lines-per-request=1000 -streams-per-request=10
                -seed=1 -settle=10m   push issue 16's mix (JSON/logfmt/plain thirds, ids unique per line, a planted
                phrase and known ids) as historical entries spread over -span ending now, then wait until every chunk
                is flushed to disk (-settle=0: don't wait)
        search  -url=… -repeat=3 -limit=5000 [-query=LOGQL …]   run issue 16's queries over the loaded range, check
                what they find, report wall time, lines read, chunks skipped and the server's peak RSS per query
        restart -data=DIR [-timeout=120s]   start a server on DIR and time it until /ready
        retention [-data=EMPTY_DIR] -size-gib=1 -streams=100   build a data set, time a 7-day retention run and a
                full-rewrite delete run of the compactor, report bytes reclaimed and GiB/min
        ratelimit -url=… -tenant=ID -rate-mb=N (the server's ingestion_rate_mb) -duration=60s -clients=4
                -lines-per-request=1000   accepted line bytes/s vs the configured rate
        """;

    // ---------------------------------------------------------------- push

    private static async Task<int> PushAsync(Options o)
    {
        Console.WriteLine($"generating line pool (seed {o.Seed})…");
        var pool = LinePool.Create(o.Seed, 200_000);
        var labels = StreamLabels(o.Streams);
        var pid = o.Pid ?? FindServerPid(o.Url);
        var deadline = o.TotalLines > 0 ? TimeSpan.MaxValue : o.Duration;
        long accepted = 0, bytes = 0, failed = 0, sentLines = 0;
        var statuses = new System.Collections.Concurrent.ConcurrentDictionary<int, long>();
        var latencies = new List<double>[o.Clients];
        var rss = new List<(double At, long Kb)>();
        var cpuStart = pid is { } sp ? ReadCpuSeconds(sp) : null;
        var clientCpuStart = Process.GetCurrentProcess().TotalProcessorTime;
        var sw = Stopwatch.StartNew();
        using var stop = new CancellationTokenSource();
        if (deadline != TimeSpan.MaxValue)
            stop.CancelAfter(deadline);

        var sampler = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                if (pid is { } p && ReadRssKb(p) is { } kb)
                    lock (rss)
                        rss.Add((sw.Elapsed.TotalSeconds, kb));
                var done = Interlocked.Read(ref accepted);
                Console.Error.Write($"\r{sw.Elapsed.TotalSeconds,6:F0}s  {done,12:N0} lines  {done / Math.Max(sw.Elapsed.TotalSeconds, 0.001),10:N0} lines/s   ");
                try
                {
                    await Task.Delay(1000, stop.Token);
                }
                catch (OperationCanceledException)
                {
                }
            }
        });

        var clients = new Task[o.Clients];
        for (var c = 0; c < o.Clients; c++)
        {
            var client = c;
            latencies[c] = [];
            clients[c] = Task.Run(async () =>
            {
                using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 1 }) { BaseAddress = new Uri(o.Url), Timeout = TimeSpan.FromMinutes(2) };
                if (o.Tenant != null)
                    http.DefaultRequestHeaders.Add("X-Scope-OrgID", o.Tenant);
                // Client c owns streams c, c+clients, …, so timestamps stay increasing per stream without coordination.
                var mine = Enumerable.Range(0, labels.Length).Where(i => i % o.Clients == client).Select(i => labels[i]).ToArray();
                if (mine.Length == 0)
                    mine = [labels[client % labels.Length]];
                var lastTs = new long[mine.Length];
                var poolPos = client * 7919 % pool.Count;
                var next = 0;
                var perStream = Math.Max(1, o.LinesPerRequest / Math.Min(o.StreamsPerRequest, mine.Length));
                var streamsPerRequest = Math.Min(o.StreamsPerRequest, mine.Length);
                var encoded = new System.Buffers.ArrayBufferWriter<byte>(1 << 20);
                while (!stop.IsCancellationRequested)
                {
                    if (o.TotalLines > 0 && Interlocked.Add(ref sentLines, perStream * streamsPerRequest) > o.TotalLines + perStream * streamsPerRequest)
                        break;
                    var now = TimeNs.Now();
                    var streams = new List<PushStream>(streamsPerRequest);
                    long lineBytes = 0;
                    for (var s = 0; s < streamsPerRequest; s++)
                    {
                        var si = next++ % mine.Length;
                        var entries = new List<PushEntry>(perStream);
                        var ts = Math.Max(now, lastTs[si] + 1);
                        for (var i = 0; i < perStream; i++)
                        {
                            var line = pool[poolPos++ % pool.Count];
                            entries.Add(new PushEntry(ts++, line));
                            lineBytes += line.Length;
                        }
                        lastTs[si] = ts;
                        streams.Add(new PushStream(mine[si], entries));
                    }
                    encoded.ResetWrittenCount();
                    PushRequestEncoder.Encode(streams, encoded);
                    var body = Snappier.Snappy.CompressToArray(encoded.WrittenSpan);
                    var content = new ByteArrayContent(body);
                    content.Headers.ContentType = new MediaTypeHeaderValue("application/x-protobuf");
                    var started = Stopwatch.GetTimestamp();
                    try
                    {
                        using var r = await http.PostAsync("/loki/api/v1/push", content, CancellationToken.None);
                        latencies[client].Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                        statuses.AddOrUpdate((int)r.StatusCode, 1, (_, n) => n + 1);
                        if (r.IsSuccessStatusCode)
                        {
                            Interlocked.Add(ref accepted, perStream * streamsPerRequest);
                            Interlocked.Add(ref bytes, lineBytes);
                        }
                        else
                        {
                            Interlocked.Increment(ref failed);
                            if (failed <= 3)
                                Console.Error.WriteLine($"\npush answered {(int)r.StatusCode}: {(await r.Content.ReadAsStringAsync()).Trim()}");
                        }
                    }
                    catch (HttpRequestException e)
                    {
                        Interlocked.Increment(ref failed);
                        Console.Error.WriteLine($"\npush failed: {e.Message}");
                        await Task.Delay(200);
                    }
                }
            });
        }
        await Task.WhenAll(clients);
        var elapsed = sw.Elapsed.TotalSeconds;
        var cpuEnd = pid is { } ep ? ReadCpuSeconds(ep) : null;
        var clientCpu = (Process.GetCurrentProcess().TotalProcessorTime - clientCpuStart).TotalSeconds;
        await stop.CancelAsync();
        await sampler;
        Console.Error.WriteLine();

        var all = latencies.SelectMany(l => l).Order().ToArray();
        Console.WriteLine($"push: {o.Clients} clients, {o.Streams} streams, {o.LinesPerRequest} lines/request, protobuf+snappy, {elapsed:F1} s");
        Console.WriteLine($"  accepted   {accepted:N0} lines, {bytes / 1e6:N1} MB of lines");
        Console.WriteLine($"  throughput {accepted / elapsed:N0} lines/s, {bytes / 1e6 / elapsed:N1} MB/s");
        Console.WriteLine($"  requests   {all.Length:N0} ({string.Join(", ", statuses.OrderBy(k => k.Key).Select(k => $"{k.Key}: {k.Value:N0}"))}); latency ms p50 {Pct(all, 0.5):F1} p90 {Pct(all, 0.9):F1} p99 {Pct(all, 0.99):F1} max {(all.Length > 0 ? all[^1] : 0):F1}");
        if (cpuStart is { } c0 && cpuEnd is { } c1 && accepted > 0)
        {
            // CPU per line is what a loaded machine changes least: lines/s on an idle machine ≈ cores / CPU per line.
            var cpu = c1 - c0;
            Console.WriteLine($"  server CPU {cpu:F1} s ({cpu / elapsed * 100:F0}% of one core), {cpu / accepted * 1e6:F2} µs per line; this client used {clientCpu:F1} s; load average {LoadAverage()}");
        }
        if (rss.Count > 0)
        {
            var peak = rss.Max(r => r.Kb);
            Console.WriteLine($"  server RSS (pid {pid}) start {rss[0].Kb / 1024.0:N0} MiB, peak {peak / 1024.0:N0} MiB, end {rss[^1].Kb / 1024.0:N0} MiB");
            var every = Math.Max(1, rss.Count / 12);
            Console.WriteLine("  RSS over time: " + string.Join("  ", rss.Where((_, i) => i % every == 0).Select(r => $"{r.At:F0}s={r.Kb / 1024.0:N0}M")));
        }
        else
        {
            Console.WriteLine("  server RSS: unknown (pass -pid=PID for a local server)");
        }
        return failed == 0 ? 0 : 1;
    }

    private static double Pct(double[] sorted, double p) => sorted.Length == 0 ? 0 : sorted[Math.Min(sorted.Length - 1, (int)(p * sorted.Length))];

    /// <summary>The same label layout as the tests' generator: app × level × env × instance.</summary>
    private static Labels[] StreamLabels(int count)
    {
        string[] apps = ["churn-api", "checkout", "gateway", "billing", "search"];
        string[] levels = ["info", "warn", "error", "debug"];
        var result = new Labels[count];
        for (var i = 0; i < count; i++)
        {
            result[i] = Labels.From(
                ("app", apps[i % apps.Length]),
                ("level", levels[(i / apps.Length) % levels.Length]),
                ("env", (i / 20) % 2 == 0 ? "prod" : "staging"),
                ("instance", $"10.0.{i / 256}.{i % 256}:8080"));
        }
        return result;
    }

    /// <summary>User + system CPU seconds of a process from /proc/PID/stat (Linux), or null.</summary>
    internal static double? ReadCpuSeconds(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            // Fields after the parenthesised command name: state is field 3, utime 14, stime 15 (clock ticks, 100 Hz).
            var rest = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return (long.Parse(rest[11], CultureInfo.InvariantCulture) + long.Parse(rest[12], CultureInfo.InvariantCulture)) / 100.0;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return null;
        }
    }

    internal static string LoadAverage()
    {
        try
        {
            return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        }
        catch (IOException)
        {
            return "unknown";
        }
    }

    /// <summary>RSS in KiB from /proc/PID/status (Linux), or null.</summary>
    internal static long? ReadRssKb(int pid) => ReadStatusKb(pid, "VmRSS:");

    /// <summary>A KiB figure of /proc/PID/status (Linux: <c>VmRSS:</c>, <c>VmHWM:</c> — the peak RSS), or null.</summary>
    internal static long? ReadStatusKb(int pid, string field)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
                if (line.StartsWith(field, StringComparison.Ordinal))
                    return long.Parse(line[field.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
        }
        return null;
    }

    /// <summary>
    /// The local process listening on the URL's port (Linux): the socket's inode from /proc/net/tcp{,6}, then the process
    /// holding that inode among its file descriptors. Null when not found (remote server, other OS, no permission).
    /// </summary>
    internal static int? FindServerPid(string url)
    {
        try
        {
            var uri = new Uri(url);
            if (!uri.IsLoopback || !Directory.Exists("/proc"))
                return null;
            var portHex = uri.Port.ToString("X4", CultureInfo.InvariantCulture);
            var inodes = new HashSet<string>(StringComparer.Ordinal);
            foreach (var table in new[] { "/proc/net/tcp", "/proc/net/tcp6" })
            {
                if (!File.Exists(table))
                    continue;
                foreach (var line in File.ReadLines(table).Skip(1))
                {
                    var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                    // f[1] local address:port (hex), f[3] state (0A = LISTEN), f[9] inode
                    if (f.Length > 9 && f[3] == "0A" && f[1].EndsWith(":" + portHex, StringComparison.Ordinal))
                        inodes.Add("socket:[" + f[9] + "]");
                }
            }
            if (inodes.Count == 0)
                return null;
            foreach (var dir in Directory.EnumerateDirectories("/proc"))
            {
                if (!int.TryParse(Path.GetFileName(dir), out var pid))
                    continue;
                try
                {
                    foreach (var fd in Directory.EnumerateFileSystemEntries(Path.Combine(dir, "fd")))
                        if (new FileInfo(fd).LinkTarget is { } target && inodes.Contains(target))
                            return pid;
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or UriFormatException)
        {
        }
        return null;
    }

    // ---------------------------------------------------------------- query

    private static async Task<int> QueryAsync(Options o)
    {
        using var http = new HttpClient { BaseAddress = new Uri(o.Url), Timeout = TimeSpan.FromMinutes(10) };
        if (o.Tenant != null)
            http.DefaultRequestHeaders.Add("X-Scope-OrgID", o.Tenant);
        var end = o.End ?? TimeNs.Now();
        var start = o.Start ?? end - (long)o.Since.TotalMilliseconds * TimeNs.PerMillisecond;
        var queries = o.Queries.Count > 0 ? o.Queries :
        [
            $"{o.Selector} |= \"{Needle}\"",
            $"sum by (level) (count_over_time({o.Selector}[1m]))",
        ];
        long dataBytes;
        using (var st = await GetJsonAsync(http, "/loki/api/v1/index/stats", ("query", o.Selector), ("start", start.ToString(CultureInfo.InvariantCulture)), ("end", end.ToString(CultureInfo.InvariantCulture))))
        {
            var r = st.RootElement;
            dataBytes = r.GetProperty("bytes").GetInt64();
            Console.WriteLine($"data {o.Selector}: {r.GetProperty("streams").GetInt64():N0} streams, {r.GetProperty("entries").GetInt64():N0} entries, {r.GetProperty("bytes").GetInt64() / (double)(1 << 30):F2} GiB in [{TimeNs.ToRfc3339Nano(start)}, {TimeNs.ToRfc3339Nano(end)})");
        }
        var status = 0;
        foreach (var q in queries)
        {
            var walls = new List<double>();
            double bestBytesPerSec = 0, bestEntriesPerSec = 0;
            long bytes = 0, lines = 0, entries = 0, returned = 0;
            for (var i = 0; i < o.Repeat; i++)
            {
                var sw = Stopwatch.StartNew();
                using var doc = await GetJsonAsync(http, "/loki/api/v1/query_range", ("query", q), ("start", start.ToString(CultureInfo.InvariantCulture)),
                    ("end", end.ToString(CultureInfo.InvariantCulture)), ("step", "60"), ("limit", o.Limit.ToString(CultureInfo.InvariantCulture)));
                var wall = sw.Elapsed.TotalSeconds;
                walls.Add(wall);
                var data = doc.RootElement.GetProperty("data");
                var summary = data.GetProperty("stats").GetProperty("summary");
                bytes = summary.GetProperty("totalBytesProcessed").GetInt64();
                lines = summary.GetProperty("totalLinesProcessed").GetInt64();
                entries = 0;
                returned = 0;
                if (data.GetProperty("resultType").GetString() == "matrix")
                {
                    // With step == range (1m) the windows tile the range, so the points add up to every entry counted.
                    foreach (var series in data.GetProperty("result").EnumerateArray())
                        foreach (var v in series.GetProperty("values").EnumerateArray())
                            entries += (long)double.Parse(v[1].GetString()!, CultureInfo.InvariantCulture);
                }
                else
                {
                    foreach (var s in data.GetProperty("result").EnumerateArray())
                        if (s.TryGetProperty("values", out var values))
                            returned += values.GetArrayLength();
                }
                bestBytesPerSec = Math.Max(bestBytesPerSec, bytes / wall);
                bestEntriesPerSec = Math.Max(bestEntriesPerSec, Math.Max(entries, lines) / wall);
            }
            walls.Sort();
            Console.WriteLine($"query {q}");
            Console.WriteLine($"  wall s: best {walls[0]:F3} median {walls[walls.Count / 2]:F3} ({o.Repeat} runs)");
            Console.WriteLine($"  processed {bytes / (double)(1 << 30):F3} GiB, {lines:N0} lines (stats block); returned {returned:N0} entries; counted {entries:N0} entries");
            // The headline: the data set's raw line bytes over the wall time (what a user waits for); the stats block's
            // processed bytes leave out chunks the token filter skipped without reading them.
            Console.WriteLine($"  best: {dataBytes / (double)(1 << 30) / walls[0]:F2} GiB/s of the data set's raw lines; {bestBytesPerSec / (1 << 30):F2} GiB/s of lines actually decompressed; {bestEntriesPerSec / 1e6:F1} M entries/s");
        }
        return status;
    }

    internal static async Task<JsonDocument> GetJsonAsync(HttpClient http, string path, params (string Key, string Value)[] query)
    {
        var url = path + "?" + string.Join('&', query.Select(q => q.Key + "=" + Uri.EscapeDataString(q.Value)));
        using var r = await http.GetAsync(url);
        var text = await r.Content.ReadAsStringAsync();
        if (!r.IsSuccessStatusCode)
            throw new HttpRequestException($"{path} answered {(int)r.StatusCode}: {text.Trim()}");
        return JsonDocument.Parse(text);
    }

    // ---------------------------------------------------------------- restart

    private static async Task<int> RestartAsync(Options o)
    {
        if (o.DataDir == null || !Directory.Exists(o.DataDir))
            return Fail("restart needs -data=DIR, an existing data directory (e.g. one filled by a server under 'bench push')");
        var size = Directory.EnumerateFiles(o.DataDir, "*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length);
        var wal = Directory.EnumerateFiles(o.DataDir, "*", SearchOption.AllDirectories).Where(f => f.Contains("wal", StringComparison.OrdinalIgnoreCase)).Sum(f => new FileInfo(f).Length);
        var psi = SelfStartInfo();
        psi.ArgumentList.Add("-server.http-listen-address=127.0.0.1");
        psi.ArgumentList.Add("-server.http-listen-port=0");
        psi.ArgumentList.Add("-common.path-prefix=" + o.DataDir);
        psi.RedirectStandardOutput = true;
        psi.RedirectStandardError = true;
        var addr = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var sw = Stopwatch.StartNew();
        using var process = Process.Start(psi) ?? throw new InvalidOperationException("cannot start sawmill");
        void OnLine(string? line)
        {
            if (line == null)
                return;
            var at = line.IndexOf("addr=http://", StringComparison.Ordinal);
            if (at >= 0)
                addr.TrySetResult(line[(at + 5)..].Split(' ')[0]);
        }
        process.OutputDataReceived += (_, e) => OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => OnLine(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            var url = await addr.Task.WaitAsync(o.Timeout);
            var listening = sw.Elapsed.TotalSeconds;
            using var http = new HttpClient { BaseAddress = new Uri(url), Timeout = TimeSpan.FromSeconds(5) };
            while (true)
            {
                try
                {
                    using var r = await http.GetAsync("/ready");
                    if (r.IsSuccessStatusCode)
                        break;
                }
                catch (HttpRequestException)
                {
                }
                if (sw.Elapsed > o.Timeout)
                    return Fail($"not ready after {o.Timeout.TotalSeconds:F0} s");
                await Task.Delay(20);
            }
            Console.WriteLine($"restart: data {size / (double)(1 << 30):F2} GiB ({wal / (double)(1 << 30):F2} GiB WAL); listening after {listening:F2} s, ready after {sw.Elapsed.TotalSeconds:F2} s; server RSS {(ReadRssKb(process.Id) ?? 0) / 1024.0:N0} MiB");
            return 0;
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
            }
        }
    }

    /// <summary>How to start this same executable (the apphost, or <c>dotnet sawmill.dll</c>).</summary>
    private static ProcessStartInfo SelfStartInfo()
    {
        var host = Environment.ProcessPath ?? "dotnet";
        var psi = new ProcessStartInfo(host) { UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(host) == "dotnet")
            psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "sawmill.dll"));
        return psi;
    }

    // ---------------------------------------------------------------- data and flags

    /// <summary>
    /// A pool of pre-generated UTF-8 lines (seeded): a third JSON like the course's churn-api logs, a third logfmt
    /// access lines, a third plain text; about 200 bytes each. One line in 50,000 carries the needle token, so the
    /// needle query has a handful of matches in a large data set.
    /// </summary>
    private static class LinePool
    {
        /// <summary>One line in this many carries the needle token.</summary>
        public const int NeedleEvery = 50_000;

        private static readonly string[] Levels = ["info", "info", "info", "info", "warn", "error", "debug"];
        private static readonly string[] Messages =
        [
            "prediction served", "request completed", "cache miss for customer profile", "upstream responded slowly",
            "model loaded from disk", "retrying database connection", "payment authorised", "user session refreshed",
        ];
        private static readonly string[] Words =
        [
            "connection", "timeout", "worker", "queue", "batch", "scheduler", "replica", "shard", "commit", "snapshot",
            "handler", "socket", "backend", "token", "session", "cluster", "node", "volume", "lease", "heartbeat",
        ];
        private static readonly string[] Paths = ["/predict", "/health", "/api/v1/customers", "/api/v1/orders", "/metrics", "/login"];

        public static List<ReadOnlyMemory<byte>> Create(int seed, int count)
        {
            var rnd = new Random(seed);
            var pool = new List<ReadOnlyMemory<byte>>(count);
            var sb = new StringBuilder(256);
            var ts = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);
            for (var n = 0; n < count; n++)
            {
                sb.Clear();
                ts = ts.AddTicks(rnd.Next(10_000, 20_000));
                var level = Levels[rnd.Next(Levels.Length)];
                var id = $"req-{rnd.Next():x8}-{rnd.Next():x8}";
                var latency = Math.Round(rnd.NextDouble() * rnd.Next(1, 900), 3).ToString(CultureInfo.InvariantCulture);
                var stamp = ts.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);
                switch (rnd.Next(3))
                {
                    case 0:
                        sb.Append("{\"timestamp\":\"").Append(stamp).Append("\",\"level\":\"").Append(level.ToUpperInvariant())
                            .Append("\",\"logger\":\"churn_api\",\"message\":\"").Append(Messages[rnd.Next(Messages.Length)])
                            .Append("\",\"request_id\":\"").Append(id).Append("\",\"customer_id\":\"C").Append(rnd.Next(100_000).ToString("D6", CultureInfo.InvariantCulture))
                            .Append("\",\"latency_ms\":").Append(latency).Append(",\"confidence\":").Append(Math.Round(rnd.NextDouble(), 4).ToString(CultureInfo.InvariantCulture)).Append('}');
                        break;
                    case 1:
                        sb.Append("ts=").Append(stamp).Append(" level=").Append(level).Append(" method=GET path=").Append(Paths[rnd.Next(Paths.Length)])
                            .Append(" status=").Append(rnd.Next(10) == 0 ? 500 : 200).Append(" duration=").Append(latency).Append("ms request_id=").Append(id)
                            .Append(" msg=\"").Append(Messages[rnd.Next(Messages.Length)]).Append('"');
                        break;
                    default:
                        sb.Append(stamp).Append(' ').Append(level.ToUpperInvariant()).Append(" [worker-").Append(rnd.Next(16)).Append("] ");
                        var words = rnd.Next(8, 16);
                        for (var i = 0; i < words; i++)
                            sb.Append(Words[rnd.Next(Words.Length)]).Append(' ');
                        sb.Append("id=").Append(id).Append(" took ").Append(rnd.Next(1, 5000)).Append("ms");
                        break;
                }
                if (n % NeedleEvery == NeedleEvery / 2)
                    sb.Append(" marker=").Append(Needle);
                pool.Add(Encoding.UTF8.GetBytes(sb.ToString()));
            }
            return pool;
        }
    }

    private sealed class Options
    {
        public string Url { get; private set; } = "http://127.0.0.1:3100";
        public int Clients { get; private set; } = 4;
        public int Streams { get; private set; } = 100;
        public bool StreamsSet { get; private set; }
        public TimeSpan Span { get; private set; } = TimeSpan.FromHours(4);
        public TimeSpan Settle { get; private set; } = TimeSpan.FromMinutes(10);
        public int LinesPerRequest { get; private set; } = 1000;
        public int StreamsPerRequest { get; private set; } = 10;
        public TimeSpan Duration { get; private set; } = TimeSpan.FromSeconds(60);
        public long TotalLines { get; private set; }
        public int Seed { get; private set; } = 1;
        public string? Tenant { get; private set; }
        public int? Pid { get; private set; }
        public TimeSpan Since { get; private set; } = TimeSpan.FromHours(1);
        public long? Start { get; private set; }
        public long? End { get; private set; }
        public int Repeat { get; private set; } = 3;

        /// <summary>Entries a log query may return; above the needle's matches so the whole range is searched.</summary>
        public int Limit { get; private set; } = 5000;
        public List<string> Queries { get; } = [];
        public string Selector { get; private set; } = "{app=~\".+\"}";
        public string? DataDir { get; private set; }
        public TimeSpan Timeout { get; private set; } = TimeSpan.FromSeconds(120);
        public double SizeGiB { get; private set; } = 1;
        public double RateMb { get; private set; }

        public static Options Parse(string[] args)
        {
            var o = new Options();
            for (var i = 0; i < args.Length; i++)
            {
                var a = args[i].TrimStart('-');
                string name, value;
                var eq = a.IndexOf('=', StringComparison.Ordinal);
                if (eq >= 0)
                {
                    (name, value) = (a[..eq], a[(eq + 1)..]);
                }
                else
                {
                    if (i + 1 >= args.Length)
                        throw new FormatException($"flag -{a} needs a value");
                    (name, value) = (a, args[++i]);
                }
                switch (name)
                {
                    case "url": o.Url = value; break;
                    case "clients": o.Clients = PositiveInt(name, value); break;
                    case "streams": o.Streams = PositiveInt(name, value); o.StreamsSet = true; break;
                    case "span": o.Span = Dur(name, value); break;
                    case "settle": o.Settle = value == "0" ? TimeSpan.Zero : Dur(name, value); break;
                    case "lines-per-request": o.LinesPerRequest = PositiveInt(name, value); break;
                    case "streams-per-request": o.StreamsPerRequest = PositiveInt(name, value); break;
                    case "duration": o.Duration = Dur(name, value); break;
                    case "total-lines": o.TotalLines = PositiveInt(name, value); break;
                    case "seed": o.Seed = int.Parse(value, CultureInfo.InvariantCulture); break;
                    case "tenant": o.Tenant = value; break;
                    case "pid": o.Pid = PositiveInt(name, value); break;
                    case "since": o.Since = Dur(name, value); break;
                    case "start": o.Start = Time(name, value); break;
                    case "end": o.End = Time(name, value); break;
                    case "repeat": o.Repeat = PositiveInt(name, value); break;
                    case "limit": o.Limit = PositiveInt(name, value); break;
                    case "query": o.Queries.Add(value); break;
                    case "selector": o.Selector = value; break;
                    case "data": o.DataDir = value; break;
                    case "timeout": o.Timeout = Dur(name, value); break;
                    case "size-gib": o.SizeGiB = double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var g) && g > 0 ? g : throw new FormatException($"-size-gib: \"{value}\" is not a positive number"); break;
                    case "rate-mb": o.RateMb = double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var r) && r > 0 ? r : throw new FormatException($"-rate-mb: \"{value}\" is not a positive number"); break;
                    default: throw new FormatException($"unknown flag -{name} (see 'sawmill bench --help')");
                }
            }
            return o;
        }

        private static int PositiveInt(string name, string value) =>
            int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n > 0 ? n : throw new FormatException($"-{name}: \"{value}\" is not a positive whole number");

        private static TimeSpan Dur(string name, string value) =>
            GoDuration.TryParse(value, out var ns) && ns > 0 ? TimeSpan.FromTicks(ns / 100) : throw new FormatException($"-{name}: \"{value}\" is not a duration like 60s or 5m");

        private static long Time(string name, string value)
        {
            if (long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n))
                return n;
            if (DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t))
                return TimeNs.FromDateTime(t.UtcDateTime);
            throw new FormatException($"-{name}: \"{value}\" is not a Unix-nanosecond or RFC3339 time");
        }
    }
}
