using Microsoft.Extensions.Logging;
using Sawmill.Server.Cluster;
using Sawmill.Server.Config;
using Sawmill.Storage;

namespace Sawmill.Commands;

/// <summary>
/// <c>sawmill upload-blocks</c>: moves a single-process data directory into the bucket of a scalable deployment. It
/// opens the directory as the server would (replaying the WAL), flushes everything still in memory into blocks, and
/// uploads every block (chunks, index, then meta.json) to the bucket the config names; the compactor then merges them
/// like any write node's upload. Takes the server's flags (<c>-config.file</c>, <c>-config.expand-env</c>,
/// <c>-common.path-prefix</c>). Run it with the single-process server stopped; the local directory is left as it was.
/// </summary>
internal static class UploadBlocksCommand
{
    public static async Task<int> RunAsync(string[] args)
    {
        SawmillConfig config;
        try
        {
            var flags = ServerFlags.Parse(args);
            if (flags.Help)
            {
                Console.WriteLine("""
                    Usage: sawmill upload-blocks -config.file=<scalable config> [-config.expand-env] [-common.path-prefix=<single-process data dir>]

                    Uploads the blocks of a single-process data directory (after flushing what its WAL holds) to the
                    bucket configured in common.storage.s3 / storage_config.aws (or the filesystem store), so that the read
                    nodes of a scalable deployment answer for them. Stop the single-process server first.
                    """);
                return 0;
            }
            config = flags.BuildConfig();
        }
        catch (ConfigException e)
        {
            Console.Error.WriteLine($"sawmill upload-blocks: {e.Message}");
            return 2;
        }
        var dataDir = Path.GetFullPath(config.PathPrefix);
        if (!Directory.Exists(Path.Combine(dataDir, "wal")) && !Directory.Exists(Path.Combine(dataDir, "blocks")))
        {
            Console.Error.WriteLine($"sawmill upload-blocks: {dataDir} holds no Sawmill data (no wal/ or blocks/)");
            return 1;
        }
        using var loggers = LoggerFactory.Create(b => Sawmill.Server.Hosting.SawmillLogging.Configure(b, config.LogLevel, config.LogFormat));
        using var bucket = ClusterNode.CreateBucket(config.Cluster, dataDir);
        var origin = "upload-" + System.Net.Dns.GetHostName();
        try
        {
            await using var store = await LogStore.OpenAsync(new LogStoreOptions
            {
                Directory = dataDir,
                BackgroundFlush = false,
                Bucket = bucket,
                Origin = origin,
                // The local blocks stay where they are: this only copies them.
                RetainAfterUpload = TimeSpan.MaxValue,
            }, loggers.CreateLogger("storage"));
            // A failed upload is retried forever by a write node; here the first failure ends the command (with what it said logged).
            using var failed = new CancellationTokenSource();
            var watch = Task.Run(async () =>
            {
                while (!failed.IsCancellationRequested && store.Metrics.UploadFailures == 0)
                    await Task.Delay(200);
                await failed.CancelAsync();
            });
            await store.FlushAndShipAsync(failed.Token);
            await failed.CancelAsync();
            await watch;
            Console.WriteLine($"uploaded {store.Metrics.BlocksUploaded} blocks ({store.Metrics.BytesUploaded} bytes) from {dataDir} to {bucket.Description}");
            return 0;
        }
        catch (OperationCanceledException)
        {
            Console.Error.WriteLine("sawmill upload-blocks: an upload failed (see the log above); nothing was removed, run it again once the bucket is reachable");
            return 1;
        }
        catch (Exception e) when (e is IOException or Sawmill.Storage.Bucket.BucketException)
        {
            Console.Error.WriteLine($"sawmill upload-blocks: {e.Message}");
            return 1;
        }
    }
}
