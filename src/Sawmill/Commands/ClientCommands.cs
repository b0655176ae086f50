using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Sawmill.Client;

namespace Sawmill.Commands;

/// <summary>
/// The logcli-compatible client commands: <c>query</c>, <c>instant-query</c>, <c>labels</c>, <c>series</c>, <c>tail</c>,
/// <c>stats</c> and <c>volume</c>. Flags and output follow logcli; the server address comes from <c>--addr</c>, else
/// <c>SAWMILL_ADDR</c>, else <c>LOKI_ADDR</c>, else http://localhost:3100. Exit codes: 0 ok, 1 server error, 2 usage.
/// </summary>
internal static class ClientCommands
{
    public static Task<int> QueryAsync(string[] args) => RunAsync("query", args);
    public static Task<int> InstantQueryAsync(string[] args) => RunAsync("instant-query", args);
    public static Task<int> LabelsAsync(string[] args) => RunAsync("labels", args);
    public static Task<int> SeriesAsync(string[] args) => RunAsync("series", args);
    public static Task<int> TailAsync(string[] args) => RunAsync("tail", args);
    public static Task<int> StatsAsync(string[] args) => RunAsync("stats", args);
    public static Task<int> VolumeAsync(string[] args) => RunAsync("volume", args);

    /// <summary>Runs one client command with explicit writers (tests use this to capture output).</summary>
    public static async Task<int> RunAsync(string command, string[] args, TextWriter? stdout = null, TextWriter? stderr = null)
    {
        var output = new Writers(stdout ?? Console.Out, stderr ?? Console.Error, stdout == null && !Console.IsOutputRedirected, stderr == null && !Console.IsErrorRedirected);
        var root = new RootCommand("Sawmill's logcli-compatible client");
        root.Subcommands.Add(BuildQuery(output, tail: false));
        root.Subcommands.Add(BuildInstantQuery(output));
        root.Subcommands.Add(BuildLabels(output));
        root.Subcommands.Add(BuildSeries(output));
        root.Subcommands.Add(BuildQuery(output, tail: true));
        root.Subcommands.Add(BuildStats(output));
        root.Subcommands.Add(BuildVolume(output));
        var config = new InvocationConfiguration { Output = output.Out, Error = output.Err };
        return await root.Parse([command, .. args]).InvokeAsync(config);
    }

    private sealed record Writers(TextWriter Out, TextWriter Err, bool OutIsTerminal, bool ErrIsTerminal);

    private static string Env(params string[] names)
    {
        foreach (var n in names)
        {
            var v = Environment.GetEnvironmentVariable(n);
            if (!string.IsNullOrEmpty(v))
                return v;
        }
        return "";
    }

    /// <summary>The global flags every client command takes.</summary>
    private sealed class Common
    {
        public readonly Option<string> Addr = new("--addr") { Description = "Server address. Defaults to SAWMILL_ADDR, then LOKI_ADDR, then http://localhost:3100.", DefaultValueFactory = _ => Env("SAWMILL_ADDR", "LOKI_ADDR") is { Length: > 0 } a ? a : "http://localhost:3100" };
        public readonly Option<string> OrgId = new("--org-id") { Description = "Tenant: sent as X-Scope-OrgID. Also SAWMILL_ORG_ID or LOKI_ORG_ID.", DefaultValueFactory = _ => Env("SAWMILL_ORG_ID", "LOKI_ORG_ID") };
        public readonly Option<string> Username = new("--username") { Description = "Username for HTTP basic auth. Also LOKI_USERNAME.", DefaultValueFactory = _ => Env("SAWMILL_USERNAME", "LOKI_USERNAME") };
        public readonly Option<string> Password = new("--password") { Description = "Password for HTTP basic auth. Also LOKI_PASSWORD.", DefaultValueFactory = _ => Env("SAWMILL_PASSWORD", "LOKI_PASSWORD") };
        public readonly Option<string> BearerToken = new("--bearer-token") { Description = "Bearer token for the Authorization header. Also LOKI_BEARER_TOKEN.", DefaultValueFactory = _ => Env("SAWMILL_BEARER_TOKEN", "LOKI_BEARER_TOKEN") };
        public readonly Option<string> BearerTokenFile = new("--bearer-token-file") { Description = "File holding the bearer token. Also LOKI_BEARER_TOKEN_FILE.", DefaultValueFactory = _ => Env("SAWMILL_BEARER_TOKEN_FILE", "LOKI_BEARER_TOKEN_FILE") };
        public readonly Option<string> AuthHeader = new("--auth-header") { Description = "The authorization header to use.", DefaultValueFactory = _ => Env("LOKI_AUTH_HEADER") is { Length: > 0 } h ? h : "Authorization" };
        public readonly Option<string> QueryTags = new("--query-tags") { Description = "Sent as the X-Query-Tags header. Also LOKI_QUERY_TAGS.", DefaultValueFactory = _ => Env("LOKI_QUERY_TAGS") };
        public readonly Option<int> Retries = new("--retries") { Description = "Retries of a request that fails with 429, 5xx or a connection error." };
        public readonly Option<string> MinBackoff = new("--min-backoff") { Description = "Minimum backoff between retries (e.g. 100ms).", DefaultValueFactory = _ => "0" };
        public readonly Option<string> MaxBackoff = new("--max-backoff") { Description = "Maximum backoff between retries (e.g. 10s).", DefaultValueFactory = _ => "0" };
        public readonly Option<bool> Quiet = new("--quiet", "-q") { Description = "Suppress query metadata." };
        public readonly Option<bool> Stats = new("--stats") { Description = "Show query statistics." };
        public readonly Option<string> Output = new("--output", "-o") { Description = "Output mode: default, raw (the line only) or jsonl.", DefaultValueFactory = _ => "default" };
        public readonly Option<string> Timezone = new("--timezone", "-z") { Description = "Timezone of printed timestamps: Local or UTC.", DefaultValueFactory = _ => "Local" };
        public readonly Option<bool> Compress = new("--compress") { Description = "Ask the server to gzip responses." };

        public Common(Command command)
        {
            Output.AcceptOnlyFromAmong("default", "raw", "jsonl");
            Timezone.AcceptOnlyFromAmong("Local", "UTC", "local", "utc");
            foreach (var o in new Option[] { Addr, OrgId, Username, Password, BearerToken, BearerTokenFile, AuthHeader, QueryTags, Retries, MinBackoff, MaxBackoff, Quiet, Stats, Output, Timezone, Compress })
                command.Options.Add(o);
        }

        public ClientSettings Settings(ParseResult p)
        {
            var token = p.GetValue(BearerToken);
            var tokenFile = p.GetValue(BearerTokenFile);
            if (string.IsNullOrEmpty(token) && !string.IsNullOrEmpty(tokenFile))
                token = File.ReadAllText(tokenFile).Trim();
            var addr = p.GetValue(Addr)!;
            if (!Uri.TryCreate(addr.EndsWith('/') ? addr : addr + "/", UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
                throw new ClientException($"invalid --addr \"{addr}\": use e.g. http://localhost:3100", ExitCodes.Usage);
            static string? N(string? s) => string.IsNullOrEmpty(s) ? null : s;
            return new ClientSettings
            {
                Address = uri,
                OrgId = N(p.GetValue(OrgId)),
                Username = N(p.GetValue(Username)),
                Password = N(p.GetValue(Password)),
                BearerToken = N(token),
                AuthHeader = p.GetValue(AuthHeader)!,
                QueryTags = N(p.GetValue(QueryTags)),
                Retries = p.GetValue(Retries),
                MinBackoff = TimeArgs.ParseDuration(p.GetValue(MinBackoff)!),
                MaxBackoff = TimeArgs.ParseDuration(p.GetValue(MaxBackoff)!),
                Quiet = p.GetValue(Quiet),
                Stats = p.GetValue(Stats),
                Output = p.GetValue(Output) switch { "raw" => OutputMode.Raw, "jsonl" => OutputMode.Jsonl, _ => OutputMode.Default },
                UtcTimezone = string.Equals(p.GetValue(Timezone), "UTC", StringComparison.OrdinalIgnoreCase),
                Compress = p.GetValue(Compress),
            };
        }
    }

    /// <summary>--since / --from / --to, resolved to [start, end) in nanoseconds.</summary>
    private sealed class Range
    {
        public readonly Option<string> Since = new("--since") { Description = "Lookback window.", DefaultValueFactory = _ => "1h" };
        public readonly Option<string> From = new("--from") { Description = "Start at this absolute time (inclusive), RFC3339." };
        public readonly Option<string> To = new("--to") { Description = "Stop at this absolute time (exclusive), RFC3339." };

        public Range(Command command)
        {
            command.Options.Add(Since);
            command.Options.Add(From);
            command.Options.Add(To);
        }

        public (long Start, long End) Resolve(ParseResult p, bool utc)
        {
            var end = p.GetValue(To) is { Length: > 0 } to ? TimeArgs.ParseNs(to, utc) : Core.TimeNs.Now();
            var start = p.GetValue(From) is { Length: > 0 } from
                ? TimeArgs.ParseNs(from, utc)
                : end - TimeArgs.ParseDuration(p.GetValue(Since)!).Ticks * 100;
            if (start >= end)
                throw new ClientException("the start time must be before the end time", ExitCodes.Usage);
            return (start, end);
        }
    }

    private sealed class LabelFlags
    {
        public readonly Option<bool> NoLabels = new("--no-labels") { Description = "Do not print any labels." };
        public readonly Option<string[]> Exclude = new("--exclude-label") { Description = "Exclude this label from the output (repeatable)." };
        public readonly Option<string[]> Include = new("--include-label") { Description = "Print only these labels (repeatable)." };
        public readonly Option<bool> Colored = new("--colored-output") { Description = "Colour the output even when it is not a terminal." };

        public LabelFlags(Command command)
        {
            command.Options.Add(NoLabels);
            command.Options.Add(Exclude);
            command.Options.Add(Include);
            command.Options.Add(Colored);
        }

        public LabelSelection Selection(ParseResult p) =>
            new(p.GetValue(NoLabels), p.GetValue(Exclude) ?? [], p.GetValue(Include) ?? []);

        public bool Color(ParseResult p, Writers w) =>
            p.GetValue(Colored) || (w.OutIsTerminal && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("NO_COLOR")));
    }

    private static void SetAction(Command command, Writers w, Func<ParseResult, CancellationToken, Task<int>> action)
    {
        command.SetAction(async (p, ct) =>
        {
            try
            {
                return await action(p, ct);
            }
            catch (ClientException e)
            {
                await w.Err.WriteLineAsync(e.Message);
                return e.ExitCode;
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return 130;
            }
        });
    }

    private static Command BuildQuery(Writers w, bool tail)
    {
        var cmd = new Command(tail ? "tail" : "query", tail
            ? "Follow log lines that match a LogQL query, live (like 'query --tail')."
            : "Run a LogQL query. Log queries print 'timestamp labels line' (or raw/jsonl); metric queries print JSON. By default the last hour is searched; use --since or --from/--to.");
        var common = new Common(cmd);
        var range = new Range(cmd);
        var labels = new LabelFlags(cmd);
        var query = new Argument<string>("query") { Description = "The LogQL query, e.g. '{app=\"api\"} |= \"error\"'." };
        var limit = new Option<int>("--limit") { Description = "Maximum entries to print; 0 fetches all.", DefaultValueFactory = _ => 30 };
        var batch = new Option<int>("--batch") { Description = "Entries per request until --limit is reached.", DefaultValueFactory = _ => 1000 };
        var forward = new Option<bool>("--forward") { Description = "Oldest entries first." };
        var step = new Option<string>("--step") { Description = "Query resolution step for metric queries (e.g. 30s)." };
        var interval = new Option<string>("--interval") { Description = "Return entries at this interval, ignoring those between (log queries)." };
        var tailFlag = new Option<bool>("--tail", "-t", "-f", "--follow") { Description = "Follow new log lines live." };
        var delayFor = new Option<int>("--delay-for") { Description = "Delay tailing by this many seconds to reorder late lines." };
        var parallelDuration = new Option<string>("--parallel-duration") { Description = "Split the range into jobs of this length.", DefaultValueFactory = _ => "1h" };
        var parallelWorkers = new Option<int>("--parallel-max-workers") { Description = "Workers for parallel jobs; 1 disables parallelism (then --limit applies).", DefaultValueFactory = _ => 1 };
        var partPrefix = new Option<string>("--part-path-prefix") { Description = "Write each job to 'PREFIX_<start>_<end>.part' instead of stdout." };
        var overwrite = new Option<bool>("--overwrite-completed-parts") { Description = "Download ranges again even if their part file exists." };
        var merge = new Option<bool>("--merge-parts") { Description = "Print the part files in order as they complete, deleting them." };
        var keep = new Option<bool>("--keep-parts") { Description = "With --merge-parts, keep the part files." };
        cmd.Arguments.Add(query);
        foreach (var o in new Option[] { limit, batch, forward, step, interval, delayFor })
            cmd.Options.Add(o);
        if (!tail)
        {
            foreach (var o in new Option[] { tailFlag, parallelDuration, parallelWorkers, partPrefix, overwrite, merge, keep })
                cmd.Options.Add(o);
        }

        SetAction(cmd, w, async (p, ct) =>
        {
            var settings = common.Settings(p);
            using var client = new LokiClient(settings);
            var q = p.GetValue(query)!;
            if (tail || p.GetValue(tailFlag))
                return await TailAsync(client, settings, w, q, p.GetValue(limit), range.Resolve(p, settings.UtcTimezone).Start, p.GetValue(delayFor), labels.Selection(p), labels.Color(p, w), ct);
            var (start, end) = range.Resolve(p, settings.UtcTimezone);
            if (p.GetValue(batch) <= 0)
                throw new ClientException("--batch must be positive", ExitCodes.Usage);
            var runner = new QueryRunner(client, settings, w.Out, w.Err) { Labels = labels.Selection(p), Color = labels.Color(p, w), Progress = w.ErrIsTerminal && !settings.Quiet };
            var request = new QueryRunner.RangeRequest(q, start, end, p.GetValue(limit), p.GetValue(batch), p.GetValue(forward), p.GetValue(step), p.GetValue(interval));
            var workers = p.GetValue(parallelWorkers);
            if (workers > 1 || p.GetValue(partPrefix) != null)
            {
                await runner.RunParallelAsync(request, TimeArgs.ParseDuration(p.GetValue(parallelDuration)!), workers, p.GetValue(partPrefix),
                    p.GetValue(overwrite), p.GetValue(merge), p.GetValue(keep), ct);
            }
            else
            {
                await runner.RunRangeAsync(request, ct);
            }
            return ExitCodes.Ok;
        });
        return cmd;
    }

    private static async Task<int> TailAsync(LokiClient client, ClientSettings settings, Writers w, string query, int limit, long start,
        int delayFor, LabelSelection selection, bool color, CancellationToken ct)
    {
        var path = LokiClient.Path("/loki/api/v1/tail", [
            new("query", query),
            new("limit", limit.ToString(CultureInfo.InvariantCulture)),
            new("start", LokiClient.Ns(start)),
            new("delay_for", delayFor > 0 ? delayFor.ToString(CultureInfo.InvariantCulture) : null),
        ]);
        if (!settings.Quiet)
            await w.Err.WriteLineAsync(client.Url(path));
        var printer = new LogPrinter(w.Out, settings.Output, settings.UtcTimezone, color, selection);
        await foreach (var doc in client.TailAsync(path, ct))
        {
            using (doc)
            {
                if (doc.RootElement.TryGetProperty("streams", out var streams))
                {
                    var (entries, _) = QueryRunner.ReadStreams(streams, forward: true);
                    foreach (var e in entries)
                        printer.Print(e);
                    await w.Out.FlushAsync(ct);
                }
                if (doc.RootElement.TryGetProperty("dropped_entries", out var dropped) && dropped.ValueKind == JsonValueKind.Array && dropped.GetArrayLength() > 0 && !settings.Quiet)
                    await w.Err.WriteLineAsync($"Server dropped {dropped.GetArrayLength()} entries (the tail could not keep up)");
            }
        }
        return ExitCodes.Ok;
    }

    private static Command BuildInstantQuery(Writers w)
    {
        var cmd = new Command("instant-query", "Run an instant LogQL query: a metric query evaluated at one point in time (--now).");
        var common = new Common(cmd);
        var labels = new LabelFlags(cmd);
        var query = new Argument<string>("query") { Description = "The LogQL query, e.g. 'sum(rate({app=\"api\"}[5m]))'." };
        var now = new Option<string>("--now") { Description = "Time at which to evaluate the query (RFC3339); default now." };
        var limit = new Option<int>("--limit") { Description = "Maximum entries (log queries).", DefaultValueFactory = _ => 30 };
        var forward = new Option<bool>("--forward") { Description = "Oldest entries first." };
        cmd.Arguments.Add(query);
        cmd.Options.Add(now);
        cmd.Options.Add(limit);
        cmd.Options.Add(forward);
        SetAction(cmd, w, async (p, ct) =>
        {
            var settings = common.Settings(p);
            using var client = new LokiClient(settings);
            var at = p.GetValue(now) is { Length: > 0 } n ? TimeArgs.ParseNs(n, settings.UtcTimezone) : Core.TimeNs.Now();
            var runner = new QueryRunner(client, settings, w.Out, w.Err) { Labels = labels.Selection(p), Color = labels.Color(p, w) };
            await runner.RunInstantAsync(p.GetValue(query)!, at, p.GetValue(limit), p.GetValue(forward), ct);
            return ExitCodes.Ok;
        });
        return cmd;
    }

    private static Command BuildLabels(Writers w)
    {
        var cmd = new Command("labels", "List label names, or the values of one label.");
        var common = new Common(cmd);
        var range = new Range(cmd);
        var name = new Argument<string?>("label") { Description = "A label name: list its values.", Arity = ArgumentArity.ZeroOrOne };
        var query = new Option<string>("--query") { Description = "Only labels of streams matching this selector." };
        cmd.Arguments.Add(name);
        cmd.Options.Add(query);
        SetAction(cmd, w, async (p, ct) =>
        {
            var settings = common.Settings(p);
            using var client = new LokiClient(settings);
            var (start, end) = range.Resolve(p, settings.UtcTimezone);
            var label = p.GetValue(name);
            var path = LokiClient.Path(string.IsNullOrEmpty(label) ? "/loki/api/v1/labels" : $"/loki/api/v1/label/{Uri.EscapeDataString(label)}/values",
                [new("start", LokiClient.Ns(start)), new("end", LokiClient.Ns(end)), new("query", p.GetValue(query))]);
            if (!settings.Quiet)
                await w.Err.WriteLineAsync(client.Url(path));
            using var doc = await client.GetJsonAsync(path, ct);
            if (doc.RootElement.TryGetProperty("data", out var data) && data.ValueKind == JsonValueKind.Array)
                foreach (var v in data.EnumerateArray())
                    await w.Out.WriteLineAsync(v.GetString());
            return ExitCodes.Ok;
        });
        return cmd;
    }

    private static Command BuildSeries(Writers w)
    {
        var cmd = new Command("series", "List the streams that match a selector ('{}' for all).");
        var common = new Common(cmd);
        var range = new Range(cmd);
        var matcher = new Argument<string>("matcher") { Description = "A stream selector, e.g. '{app=\"api\"}'." };
        var analyze = new Option<bool>("--analyze-labels") { Description = "Summarise label cardinality across the streams." };
        cmd.Arguments.Add(matcher);
        cmd.Options.Add(analyze);
        SetAction(cmd, w, async (p, ct) =>
        {
            var settings = common.Settings(p);
            using var client = new LokiClient(settings);
            var (start, end) = range.Resolve(p, settings.UtcTimezone);
            var m = p.GetValue(matcher)!;
            var path = LokiClient.Path("/loki/api/v1/series",
                [new("match[]", m.Trim() is "{}" or "" ? null : m), new("start", LokiClient.Ns(start)), new("end", LokiClient.Ns(end))]);
            if (!settings.Quiet)
                await w.Err.WriteLineAsync(client.Url(path));
            using var doc = await client.GetJsonAsync(path, ct);
            var series = new List<Dictionary<string, string>>();
            foreach (var s in doc.RootElement.GetProperty("data").EnumerateArray())
            {
                var d = new Dictionary<string, string>(StringComparer.Ordinal);
                foreach (var l in s.EnumerateObject())
                    d[l.Name] = l.Value.GetString() ?? "";
                series.Add(d);
            }
            if (!p.GetValue(analyze))
            {
                foreach (var s in series)
                    await w.Out.WriteLineAsync(LogPrinter.FormatLabels(s));
                return ExitCodes.Ok;
            }
            await w.Out.WriteLineAsync($"Total Streams:  {series.Count}");
            var byName = series.SelectMany(s => s).GroupBy(kv => kv.Key, StringComparer.Ordinal)
                .Select(g => (Name: g.Key, Values: g.Select(kv => kv.Value).Distinct(StringComparer.Ordinal).Count(), Streams: g.Count()))
                .OrderByDescending(x => x.Values).ThenBy(x => x.Name, StringComparer.Ordinal).ToList();
            await w.Out.WriteLineAsync($"Unique Labels:  {byName.Count}");
            await w.Out.WriteLineAsync();
            await w.Out.WriteLineAsync($"{"Label Name",-24}  {"Unique Values",13}  {"Found In Streams",16}");
            foreach (var (n, values, streams) in byName)
                await w.Out.WriteLineAsync($"{n,-24}  {values,13}  {streams,16}");
            return ExitCodes.Ok;
        });
        return cmd;
    }

    private static Command BuildStats(Writers w)
    {
        var cmd = new Command("stats", "Show index statistics (bytes, chunks, streams, entries) for a query's streams.");
        var common = new Common(cmd);
        var range = new Range(cmd);
        var query = new Argument<string>("query") { Description = "A LogQL query or selector." };
        cmd.Arguments.Add(query);
        SetAction(cmd, w, async (p, ct) =>
        {
            var settings = common.Settings(p);
            using var client = new LokiClient(settings);
            var (start, end) = range.Resolve(p, settings.UtcTimezone);
            var path = LokiClient.Path("/loki/api/v1/index/stats",
                [new("query", p.GetValue(query)), new("start", LokiClient.Ns(start)), new("end", LokiClient.Ns(end))]);
            if (!settings.Quiet)
                await w.Err.WriteLineAsync(client.Url(path));
            using var doc = await client.GetJsonAsync(path, ct);
            var r = doc.RootElement;
            if (settings.Output == OutputMode.Jsonl)
            {
                await w.Out.WriteLineAsync(r.GetRawText());
                return ExitCodes.Ok;
            }
            long Get(string name) => r.TryGetProperty(name, out var v) && v.TryGetInt64(out var n) ? n : 0;
            await w.Out.WriteLineAsync("{");
            await w.Out.WriteLineAsync($"  bytes: {HumanBytes(Get("bytes"))}");
            await w.Out.WriteLineAsync($"  chunks: {Get("chunks")}");
            await w.Out.WriteLineAsync($"  streams: {Get("streams")}");
            await w.Out.WriteLineAsync($"  entries: {Get("entries")}");
            await w.Out.WriteLineAsync("}");
            return ExitCodes.Ok;
        });
        return cmd;
    }

    private static Command BuildVolume(Writers w)
    {
        var cmd = new Command("volume", "Show log volume (bytes) per stream or per label for a selector.");
        var common = new Common(cmd);
        var range = new Range(cmd);
        var query = new Argument<string>("query") { Description = "A stream selector, e.g. '{app=\"api\"}'." };
        var limit = new Option<int>("--limit") { Description = "Maximum series returned.", DefaultValueFactory = _ => 100 };
        var targetLabels = new Option<string[]>("--targetLabels") { Description = "Aggregate by these labels (repeatable)." };
        var aggregateBy = new Option<string>("--aggregate-by") { Description = "series or labels.", DefaultValueFactory = _ => "series" };
        var volumeRange = new Option<bool>("--volume-range") { Description = "Return volume over time (uses --step)." };
        var step = new Option<string>("--step") { Description = "Step for --volume-range (e.g. 1h)." };
        cmd.Arguments.Add(query);
        foreach (var o in new Option[] { limit, targetLabels, aggregateBy, volumeRange, step })
            cmd.Options.Add(o);
        aggregateBy.AcceptOnlyFromAmong("series", "labels");
        SetAction(cmd, w, async (p, ct) =>
        {
            var settings = common.Settings(p);
            using var client = new LokiClient(settings);
            var (start, end) = range.Resolve(p, settings.UtcTimezone);
            var targets = p.GetValue(targetLabels);
            var path = LokiClient.Path(p.GetValue(volumeRange) ? "/loki/api/v1/index/volume_range" : "/loki/api/v1/index/volume", [
                new("query", p.GetValue(query)),
                new("start", LokiClient.Ns(start)),
                new("end", LokiClient.Ns(end)),
                new("limit", p.GetValue(limit).ToString(CultureInfo.InvariantCulture)),
                new("targetLabels", targets is { Length: > 0 } ? string.Join(',', targets) : null),
                new("aggregateBy", p.GetValue(aggregateBy)),
                new("step", p.GetValue(step)),
            ]);
            if (!settings.Quiet)
                await w.Err.WriteLineAsync(client.Url(path));
            using var doc = await client.GetJsonAsync(path, ct);
            var options = new JsonWriterOptions { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
            using var ms = new MemoryStream();
            using (var writer = new Utf8JsonWriter(ms, options))
                doc.RootElement.GetProperty("data").GetProperty("result").WriteTo(writer);
            await w.Out.WriteLineAsync(System.Text.Encoding.UTF8.GetString(ms.ToArray()));
            return ExitCodes.Ok;
        });
        return cmd;
    }

    /// <summary>Bytes as go-humanize prints them (SI units): <c>1.2 MB</c>.</summary>
    internal static string HumanBytes(long bytes)
    {
        if (bytes < 1000)
            return bytes.ToString(CultureInfo.InvariantCulture) + " B";
        string[] units = ["kB", "MB", "GB", "TB", "PB", "EB"];
        double v = bytes;
        var i = -1;
        while (v >= 1000 && i < units.Length - 1)
        {
            v /= 1000;
            i++;
        }
        return v.ToString(v < 10 ? "0.0" : "0", CultureInfo.InvariantCulture) + " " + units[i];
    }
}
