using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Sawmill.Agent.Tests.EndToEnd;

/// <summary>Helpers shared by the end-to-end tests: the agent config, log writing, querying the real server.</summary>
internal static partial class E2E
{
    /// <summary>
    /// A Promtail config pushing to <paramref name="pushBase"/> with short batch/backoff/sync periods, scraping
    /// <paramref name="pathGlob"/> as job <c>e2e</c>; <paramref name="scrapeExtra"/> is appended to the scrape config
    /// (indented for it: relabel_configs, pipeline_stages …).
    /// </summary>
    public static string Config(string dir, Uri pushBase, string pathGlob, string scrapeExtra = "", int batchSize = 4096, string tenant = "") => $"""
        server:
          http_listen_port: 0
        positions:
          filename: {dir}/positions.yaml
          sync_period: 1s
        clients:
          - url: {pushBase.ToString().TrimEnd('/')}/loki/api/v1/push
            batchwait: 100ms
            batchsize: {batchSize}
            timeout: 5s
        {(tenant.Length > 0 ? "    tenant_id: " + tenant : "")}
            backoff_config:
              min_period: 100ms
              max_period: 800ms
        target_config:
          sync_period: 300ms
        scrape_configs:
          - job_name: e2e
            static_configs:
              - targets: [localhost]
                labels:
                  job: e2e
                  __path__: {pathGlob}
        {scrapeExtra}
        """;

    public static string WriteConfig(string dir, string yaml)
    {
        var file = Path.Combine(dir, "agent.yaml");
        File.WriteAllText(file, yaml);
        return file;
    }

    /// <summary>The line with sequence number <paramref name="seq"/>; <see cref="SeqOf"/> reads it back.</summary>
    public static string Line(string tag, int seq) => $"{tag} seq={seq:D6} msg=\"some payload to make the line look like a log line\"";

    public static int SeqOf(string line) => int.Parse(SeqRegex().Match(line).Groups[1].Value, CultureInfo.InvariantCulture);

    /// <summary>Appends lines and flushes (as a logging application's write(2) would).</summary>
    public static void Append(FileStream fs, string tag, int from, int count)
    {
        var sb = new System.Text.StringBuilder();
        for (var i = from; i < from + count; i++)
            sb.Append(Line(tag, i)).Append('\n');
        var bytes = System.Text.Encoding.UTF8.GetBytes(sb.ToString());
        fs.Write(bytes);
        fs.Flush();
    }

    public static FileStream OpenAppend(string path) =>
        new(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);

    /// <summary>All entries matching <paramref name="query"/> in the last hour and the next minute, oldest first.</summary>
    public static async Task<List<QueriedEntry>> QueryAsync(HttpClient http, string query, int limit = 5000)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1_000_000L;
        var url = $"/loki/api/v1/query_range?query={Uri.EscapeDataString(query)}&start={now - 3_600_000_000_000L}&end={now + 60_000_000_000L}&limit={limit}&direction=forward";
        using var response = await http.GetAsync(url);
        var body = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode)
            throw new InvalidOperationException($"query {query} answered {(int)response.StatusCode}: {body}");
        using var doc = JsonDocument.Parse(body);
        var result = new List<QueriedEntry>();
        foreach (var stream in doc.RootElement.GetProperty("data").GetProperty("result").EnumerateArray())
        {
            var labels = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var p in stream.GetProperty("stream").EnumerateObject())
                labels[p.Name] = p.Value.GetString()!;
            foreach (var v in stream.GetProperty("values").EnumerateArray())
                result.Add(new QueriedEntry(labels, long.Parse(v[0].GetString()!, CultureInfo.InvariantCulture), v[1].GetString()!));
        }
        result.Sort((a, b) => a.Ns.CompareTo(b.Ns));
        return result;
    }

    /// <summary>How many times each sequence number of <paramref name="tag"/> arrived.</summary>
    public static Dictionary<int, int> Counts(IEnumerable<QueriedEntry> entries, string tag)
    {
        var counts = new Dictionary<int, int>();
        foreach (var e in entries)
            if (e.Line.StartsWith(tag + " ", StringComparison.Ordinal))
                counts[SeqOf(e.Line)] = counts.GetValueOrDefault(SeqOf(e.Line)) + 1;
        return counts;
    }

    /// <summary>Missing sequence numbers in [0, expected), for failure messages.</summary>
    public static string Missing(Dictionary<int, int> counts, int expected)
    {
        var missing = Enumerable.Range(0, expected).Where(i => !counts.ContainsKey(i)).ToList();
        if (missing.Count == 0)
            return "none";
        // As ranges: "600-699, 1000-1099".
        var ranges = new List<string>();
        for (var i = 0; i < missing.Count;)
        {
            var j = i;
            while (j + 1 < missing.Count && missing[j + 1] == missing[j] + 1)
                j++;
            ranges.Add(i == j ? $"{missing[i]}" : $"{missing[i]}-{missing[j]}");
            i = j + 1;
        }
        return $"{missing.Count} ({string.Join(", ", ranges)})";
    }

    /// <summary>Polls until every one of <paramref name="expected"/> lines of <paramref name="tag"/> is stored (or times out).</summary>
    public static async Task<Dictionary<int, int>> WaitForAllAsync(HttpClient http, string query, string tag, int expected, TimeSpan timeout, Func<string>? context = null)
    {
        var deadline = DateTime.UtcNow + timeout;
        Dictionary<int, int> counts;
        while (true)
        {
            counts = Counts(await QueryAsync(http, query), tag);
            if (counts.Count >= expected)
                return counts;
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"{counts.Count}/{expected} distinct lines arrived; missing {Missing(counts, expected)}\n{context?.Invoke()}");
            await Task.Delay(250);
        }
    }

    /// <summary>
    /// Waits until the agent has nothing left to send: its positions file (written only for acknowledged lines) holds
    /// every log file in <paramref name="logs"/> at its full length. After that no line can arrive again, so a test
    /// can count duplicates without sleeping.
    /// </summary>
    public static Task WaitUntilSettledAsync(string dir, string logs, Func<string>? context = null) =>
        WaitUntilAsync(() =>
        {
            var positions = Path.Combine(dir, "positions.yaml");
            if (!File.Exists(positions))
                return Task.FromResult(false);
            var saved = new Dictionary<string, long>(StringComparer.Ordinal);
            foreach (Match m in PositionRegex().Matches(File.ReadAllText(positions)))
                saved[Regex.Unescape(m.Groups[1].Value)] = long.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture);
            // An empty file has nothing to acknowledge, with or without a saved position.
            return Task.FromResult(Directory.GetFiles(logs, "*.log").All(f => (saved.TryGetValue(f, out var at) ? at : 0) == new FileInfo(f).Length));
        }, () => "the agent to acknowledge every line of " + logs + "\n" + SettleState(dir, logs) + (context == null ? "" : "\n" + context()), TimeSpan.FromSeconds(90));

    /// <summary>The positions file and the log files' lengths, for a failure message.</summary>
    private static string SettleState(string dir, string logs)
    {
        var positions = Path.Combine(dir, "positions.yaml");
        var text = File.Exists(positions) ? File.ReadAllText(positions) : "(no positions file)";
        return "positions.yaml:\n" + text + "\nfiles: " + string.Join(", ", Directory.GetFiles(logs).Select(f => $"{f}={new FileInfo(f).Length}"));
    }

    public static Task WaitUntilAsync(Func<Task<bool>> condition, string what, TimeSpan? timeout = null) =>
        WaitUntilAsync(condition, () => what, timeout);

    /// <summary>As above, with the description built when the wait fails (it can show the state at that moment).</summary>
    public static async Task WaitUntilAsync(Func<Task<bool>> condition, Func<string> what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException("timed out waiting for " + what());
            await Task.Delay(100);
        }
    }

    [GeneratedRegex(@"seq=(\d+)")]
    private static partial Regex SeqRegex();

    [GeneratedRegex(@"^\s+""((?:[^""\\]|\\.)*)"": ""(\d+)""", RegexOptions.Multiline)]
    private static partial Regex PositionRegex();
}
