using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Sawmill.Core;
using Sawmill.Core.Protocol;
using Sawmill.Server.Config;
using Sawmill.Server.Distribution;
using Sawmill.Server.Retention;
using Sawmill.Storage;
using Sawmill.Storage.Compaction;

namespace Sawmill.Commands;

/// <summary>
/// <c>sawmill bench retention</c> and <c>sawmill bench ratelimit</c>, the closing figures.
/// retention: builds a data set of a given raw size in a store of its own (timestamps spread over 10 days, 100
/// streams), then times the compactor's two kinds of run on it — a retention run (7 days: chunks wholly past the cutoff
/// are dropped unread, the chunk that straddles it is rewritten, the rest copied) and a line-filter delete that forces
/// every chunk to be decoded and re-encoded (the worst case) — and reports the disk bytes before/after and GiB/min.
/// ratelimit: pushes to a running server as fast as the clients can for a duration and reports the accepted line bytes
/// per second against the configured <c>ingestion_rate_mb</c> (MiB, as Loki reads it).
/// </summary>
internal static class RetentionBench
{
    private const double GiB = 1024.0 * 1024 * 1024;
    private const double MiB = 1024.0 * 1024;

    public static async Task<int> RetentionAsync(string? dataDir, long rawBytes, int streams, int seed)
    {
        var dir = dataDir ?? Directory.CreateTempSubdirectory("sawmill-bench-retention-").FullName;
        if (Directory.Exists(dir) && Directory.EnumerateFileSystemEntries(dir).Any())
        {
            Console.Error.WriteLine($"sawmill bench: {dir} is not empty; give -data an empty or new directory");
            return 1;
        }
        Directory.CreateDirectory(dir);
        try
        {
            Console.WriteLine($"writing {rawBytes / MiB:N0} MiB of raw lines into {dir} ({streams} streams, 10 days)…");
            var options = new LogStoreOptions { Directory = dir, BackgroundFlush = false };
            var now = TimeNs.Now();
            var span = 10 * 24 * TimeNs.PerHour;
            const int batch = 500;
            var sw = Stopwatch.StartNew();
            long written = 0, lines = 0;
            await using (var store = await LogStore.OpenAsync(options, NullLogger.Instance))
            {
                var rnd = new Random(seed);
                var labels = Enumerable.Range(0, streams).Select(i => Labels.From(("app", "bench-" + (i % 10)), ("instance", "i" + i))).ToArray();
                // Lines per stream known up front so that timestamps advance evenly over the 10 days.
                var sample = new Random(seed + 1);
                var averageLine = Enumerable.Range(0, 10_000).Average(_ => Line(sample).Length);
                var perStream = Math.Max(1, (long)(rawBytes / averageLine / streams) + batch);
                var step = span / perStream;
                var next = new long[streams];
                var sinceFlush = 0L;
                for (long k = 0; written < rawBytes; k += batch)
                {
                    var push = new List<PushStream>(streams);
                    for (var s = 0; s < streams; s++)
                    {
                        var entries = new List<PushEntry>(batch);
                        for (var i = 0; i < batch; i++)
                        {
                            var line = Line(rnd);
                            entries.Add(new PushEntry(now - span + next[s]++ * step, line));
                            written += line.Length;
                        }
                        lines += batch;
                        push.Add(new PushStream(labels[s], entries));
                    }
                    sinceFlush += streams * batch * 200L;
                    await store.PushAsync("bench", push, default);
                    if (sinceFlush >= 256L * 1024 * 1024)
                    {
                        await store.FlushAsync(force: true);
                        sinceFlush = 0;
                    }
                    Console.Error.Write($"\r{written / MiB,8:N0} MiB  {sw.Elapsed.TotalSeconds,6:F0}s   ");
                }
                await store.FlushAsync(force: true);
            }
            Console.Error.WriteLine();
            var blocks = Path.Combine(dir, "blocks");
            var onDisk = DirBytes(blocks);
            Console.WriteLine($"data set: {lines:N0} lines, {written / GiB:F3} GiB raw, {onDisk / GiB:F3} GiB in blocks ({100.0 * onDisk / written:F1}% of raw), ingested in {sw.Elapsed.TotalSeconds:F0}s; load {LoadAverage()}");

            await using (var store = await LogStore.OpenAsync(options, NullLogger.Instance))
            {
                var sevenDays = new RetentionPolicy(new TenantLimits(new LimitsConfig { RetentionPeriod = TimeSpan.FromDays(7) }));
                var r = await Run(store, sevenDays.ForCompaction(retentionEnabled: true, dueDeletes: []), blocks);
                Console.WriteLine($"retention 7d: {r.Result.EntriesRemoved:N0} entries removed, blocks {r.Before / GiB:F3} → {r.After / GiB:F3} GiB ({(r.Before - r.After) / MiB:N0} MiB reclaimed, {100.0 * (r.Before - r.After) / r.Before:F1}%) in {r.Result.Elapsed.TotalSeconds:F1}s = {r.Before / GiB / r.Result.Elapsed.TotalMinutes:F2} GiB/min of input blocks; load {LoadAverage()}");
                var d = await Run(store, new EveryChunkDelete(), blocks);
                Console.WriteLine($"line-filter delete (every chunk decoded + re-encoded): {d.Result.EntriesRemoved:N0} entries removed, blocks {d.Before / GiB:F3} → {d.After / GiB:F3} GiB in {d.Result.Elapsed.TotalSeconds:F1}s = {d.Before / GiB / d.Result.Elapsed.TotalMinutes:F2} GiB/min of input blocks; load {LoadAverage()}");
            }
            return 0;
        }
        finally
        {
            if (dataDir == null)
                Directory.Delete(dir, recursive: true);
        }
    }

    private static async Task<(CompactionResult Result, long Before, long After)> Run(LogStore store, IRetentionPolicy policy, string blocks)
    {
        var before = DirBytes(blocks);
        var result = await store.CompactAsync(policy);
        return (result, before, DirBytes(blocks));
    }

    /// <summary>A delete of lines containing a token no line has, over every stream and all time: every chunk is rewritten.</summary>
    private sealed class EveryChunkDelete : IRetentionPolicy
    {
        private static readonly byte[] Token = "never-present-7c1f"u8.ToArray();

        public long Cutoff(string tenant, Labels stream) => long.MinValue;

        public bool MayDelete(string tenant, Labels stream, long minT, long maxT) => true;

        public bool IsDeleted(string tenant, Labels stream, long timestampNs, ReadOnlySpan<byte> line) => line.IndexOf(Token) >= 0;
    }

    public static async Task<int> RateLimitAsync(string url, string tenant, double rateMb, TimeSpan duration, int clients, int linesPerRequest, int seed)
    {
        var pool = Enumerable.Range(0, 20_000).Select(i => Line(new Random(seed + i))).ToArray();
        long acceptedBytes = 0, rejectedBytes = 0, accepted = 0, rejected = 0, other = 0;
        string? lastRejection = null;
        var sw = Stopwatch.StartNew();
        using var stop = new CancellationTokenSource(duration);
        var tasks = Enumerable.Range(0, clients).Select(c => Task.Run(async () =>
        {
            using var http = new HttpClient { BaseAddress = new Uri(url), Timeout = TimeSpan.FromMinutes(1) };
            http.DefaultRequestHeaders.Add("X-Scope-OrgID", tenant);
            var labels = Labels.From(("app", "ratelimit"), ("client", c.ToString(CultureInfo.InvariantCulture)));
            var ts = TimeNs.Now();
            var n = c * 997;
            while (!stop.IsCancellationRequested)
            {
                var entries = new List<PushEntry>(linesPerRequest);
                long bytes = 0;
                for (var i = 0; i < linesPerRequest; i++)
                {
                    var line = pool[n++ % pool.Length];
                    ts = Math.Max(ts + 1, TimeNs.Now());
                    entries.Add(new PushEntry(ts, line));
                    bytes += line.Length;
                }
                using var content = new ByteArrayContent(Snappier.Snappy.CompressToArray(PushRequestEncoder.Encode([new PushStream(labels, entries)])));
                content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/x-protobuf");
                HttpResponseMessage response;
                try
                {
                    response = await http.PostAsync("/loki/api/v1/push", content, stop.Token);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
                using (response)
                {
                    if (sw.Elapsed > duration)
                        return; // answered after the window: not counted
                    if (response.StatusCode == HttpStatusCode.NoContent)
                    {
                        Interlocked.Add(ref acceptedBytes, bytes);
                        Interlocked.Increment(ref accepted);
                    }
                    else if (response.StatusCode == HttpStatusCode.TooManyRequests)
                    {
                        Interlocked.Add(ref rejectedBytes, bytes);
                        Interlocked.Increment(ref rejected);
                        lastRejection = await response.Content.ReadAsStringAsync();
                    }
                    else
                    {
                        Interlocked.Increment(ref other);
                        lastRejection = $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}";
                    }
                }
            }
        })).ToArray();
        await Task.WhenAll(tasks);
        var seconds = Math.Min(sw.Elapsed.TotalSeconds, duration.TotalSeconds);
        var configured = rateMb * MiB;
        Console.WriteLine($"tenant {tenant}: {accepted:N0} pushes accepted, {rejected:N0} rate-limited (429), {other:N0} other");
        Console.WriteLine($"accepted {acceptedBytes / MiB:F1} MiB of line bytes in {seconds:F1}s = {acceptedBytes / seconds / MiB:F3} MiB/s; offered {(acceptedBytes + rejectedBytes) / seconds / MiB:F2} MiB/s");
        if (rateMb > 0)
            Console.WriteLine($"configured ingestion_rate_mb {rateMb} MiB/s: accepted/configured = {acceptedBytes / seconds / configured:F4} (the first burst included; the bucket starts full)");
        if (lastRejection != null)
            Console.WriteLine("last rejection: " + lastRejection.Trim());
        Console.WriteLine($"load {LoadAverage()}");
        return 0;
    }

    private static readonly string[] Words =
    [
        "connection", "timeout", "worker", "queue", "batch", "scheduler", "replica", "shard", "commit", "snapshot",
        "handler", "socket", "backend", "token", "session", "cluster", "node", "volume", "lease", "heartbeat",
    ];

    /// <summary>About 200 bytes: a level, a few words, a request id and numbers (compresses like typical app logs).</summary>
    private static byte[] Line(Random rnd)
    {
        var sb = new StringBuilder(220);
        sb.Append(rnd.Next(10) == 0 ? "level=error" : "level=info").Append(" msg=\"");
        var words = rnd.Next(6, 12);
        for (var i = 0; i < words; i++)
            sb.Append(Words[rnd.Next(Words.Length)]).Append(' ');
        sb.Append("\" request_id=req-").Append(rnd.Next().ToString("x8", CultureInfo.InvariantCulture)).Append(rnd.Next().ToString("x8", CultureInfo.InvariantCulture))
            .Append(" customer=C").Append(rnd.Next(100_000).ToString("D6", CultureInfo.InvariantCulture))
            .Append(" status=").Append(rnd.Next(10) == 0 ? 500 : 200)
            .Append(" duration_ms=").Append(Math.Round(rnd.NextDouble() * 900, 3).ToString(CultureInfo.InvariantCulture));
        return Encoding.UTF8.GetBytes(sb.ToString());
    }

    private static long DirBytes(string dir) =>
        Directory.Exists(dir) ? new DirectoryInfo(dir).EnumerateFiles("*", SearchOption.AllDirectories).Sum(f => f.Length) : 0;

    private static string LoadAverage()
    {
        try
        {
            return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        }
        catch (IOException)
        {
            return "n/a";
        }
    }
}
