using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Sawmill.Agent;
using Sawmill.Agent.Config;
using Sawmill.Agent.Hosting;

namespace Sawmill.Benchmarks.Agent;

/// <summary>
/// Shipping figures for issue 6: <c>dotnet run -c Release --project bench/Sawmill.Benchmarks -- agent-figures
/// [lines=400000] [sawmill.dll]</c>. Starts a real <c>sawmill</c> server process (sawmill.dll from the argument, or
/// the newest build under src/Sawmill/bin or tests/*/bin), writes the lines first (one file, then spread over 100
/// files), then runs the agent in this process from position 0 and measures until the server acknowledged every
/// line: lines/s and MB/s shipped, the agent's CPU (this process's CPU time over wall time, in cores), its peak RSS and
/// peak managed heap, and the 1-minute load average before and after (the machine is shared).
/// </summary>
internal static partial class AgentFigures
{
    public static async Task RunAsync(string[] args)
    {
        var lines = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 400_000;
        var dll = args.Length > 1 ? args[1] : FindSawmill();
        var root = Directory.CreateTempSubdirectory("sawmill-agent-figures-").FullName;
        Console.WriteLine($"agent figures: {lines:N0} lines per run, server {dll}, work dir {root}");
        Console.WriteLine($"{"run",-28} {"lines/s",10} {"MB/s",7} {"wall s",7} {"agent CPU",10} {"peak RSS",9} {"peak heap",10}  load avg (before → after)");
        try
        {
            using var server = await ServerProcess.StartAsync(dll, Path.Combine(root, "data"));
            await RunOnceAsync("1 file", server.PushUrl, Path.Combine(root, "one"), lines, files: 1);
            await RunOnceAsync("100 files", server.PushUrl, Path.Combine(root, "hundred"), lines, files: 100);
            await RunOnceAsync("1 file + json/labels stages", server.PushUrl, Path.Combine(root, "stages"), lines, files: 1, stages: true);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private static async Task RunOnceAsync(string name, Uri pushUrl, string dir, int lines, int files, bool stages = false)
    {
        var logs = Directory.CreateDirectory(Path.Combine(dir, "logs")).FullName;
        long bytes = 0;
        var writers = new StreamWriter[files];
        for (var f = 0; f < files; f++)
            writers[f] = new StreamWriter(Path.Combine(logs, $"app-{f:D3}.log"), false, new UTF8Encoding(false), 1 << 16);
        string[] levels = ["info", "info", "info", "warn", "error", "debug"];
        var rnd = new Random(42);
        for (var i = 0; i < lines; i++)
        {
            // JSON lines like the course's StructuredFormatter writes, about 180 bytes each.
            var line = $"{{\"timestamp\":\"2026-11-27T01:00:00.{i % 1000:D3}Z\",\"level\":\"{levels[i % levels.Length]}\",\"logger\":\"churn.api\",\"message\":\"request handled\",\"request_id\":\"{rnd.NextInt64():x16}\",\"status\":{200 + i % 5},\"duration_ms\":{rnd.Next(1, 900)},\"seq\":{i}}}";
            writers[i % files].Write(line);
            writers[i % files].Write('\n');
            bytes += Encoding.UTF8.GetByteCount(line) + 1;
        }
        foreach (var w in writers)
            w.Dispose();

        var stageYaml = stages ? """
                pipeline_stages:
                  - json:
                      expressions:
                        level: level
                        ts: timestamp
                  - labels:
                      level:
                  - timestamp:
                      source: ts
                      format: RFC3339Nano
            """ : "";
        var yaml = $"""
            server:
              disable: true
            positions:
              filename: {dir}/positions.yaml
            clients:
              - url: {pushUrl}
            scrape_configs:
              - job_name: bench
                static_configs:
                  - targets: [localhost]
                    labels:
                      job: bench-{name.Replace(' ', '-').Replace('/', '-').Replace('+', '-')}
                      __path__: {logs}/*.log
            {stageYaml}
            """;
        var config = AgentConfigLoader.Load(yaml);
        GC.Collect();
        var loadBefore = LoadAverage();
        var me = Process.GetCurrentProcess();
        me.Refresh();
        var cpu0 = me.TotalProcessorTime;
        var wall = Stopwatch.StartNew();
        long peakRss = 0, peakHeap = 0;
        await using (var host = await AgentHost.StartAsync(config, new AgentHostOptions(), NullLoggerFactory.Instance))
        {
            while (true)
            {
                me.Refresh();
                peakRss = Math.Max(peakRss, me.WorkingSet64);
                peakHeap = Math.Max(peakHeap, GC.GetTotalMemory(false));
                if (SentEntries(host.Metrics.Expose()) >= lines)
                    break;
                if (wall.Elapsed > TimeSpan.FromMinutes(10))
                    throw new TimeoutException($"{name}: only {SentEntries(host.Metrics.Expose())} of {lines} lines were acknowledged in 10 minutes");
                await Task.Delay(50);
            }
            wall.Stop();
            me.Refresh();
        }
        var cpu = (me.TotalProcessorTime - cpu0).TotalSeconds;
        var loadAfter = LoadAverage();
        var s = wall.Elapsed.TotalSeconds;
        Console.WriteLine($"{name,-28} {lines / s,10:N0} {bytes / s / 1e6,7:F1} {s,7:F2} {cpu / s,6:F2} cores {peakRss / 1048576.0,6:F0} MiB {peakHeap / 1048576.0,7:F0} MiB  {loadBefore} → {loadAfter}");
    }

    private static double SentEntries(string metrics)
    {
        double sum = 0;
        foreach (Match m in SentRegex().Matches(metrics))
            sum += double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
        return sum;
    }

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "?";

    private static string FindSawmill()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir != null && !File.Exists(Path.Combine(dir.FullName, "Sawmill.slnx")))
            dir = dir.Parent;
        if (dir == null)
            throw new FileNotFoundException("pass the path of sawmill.dll as the second argument");
        var candidates = Directory.EnumerateFiles(Path.Combine(dir.FullName, "src", "Sawmill", "bin"), "sawmill.dll", SearchOption.AllDirectories)
            .Concat(Directory.EnumerateFiles(Path.Combine(dir.FullName, "tests"), "sawmill.dll", SearchOption.AllDirectories))
            .OrderByDescending(File.GetLastWriteTimeUtc)
            .ToList();
        return candidates.Count > 0 ? candidates[0] : throw new FileNotFoundException("build src/Sawmill first, or pass the path of sawmill.dll");
    }

    [GeneratedRegex(@"^promtail_sent_entries_total(?:\{[^}]*\})? (\S+)$", RegexOptions.Multiline)]
    private static partial Regex SentRegex();
}
