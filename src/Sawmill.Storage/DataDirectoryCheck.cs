using Microsoft.Extensions.Logging;
using Sawmill.Core;
using Sawmill.Storage.Blocks;
using Sawmill.Storage.Chunks;
using Sawmill.Storage.Wal;

namespace Sawmill.Storage;

/// <summary>What <see cref="DataDirectoryCheck.Run"/> found.</summary>
public sealed class DataDirectoryReport
{
    public int Tenants { get; internal set; }
    public int Blocks { get; internal set; }
    public long Chunks { get; internal set; }
    public long EncodedBlocks { get; internal set; }
    public long Entries { get; internal set; }
    public int WalFiles { get; internal set; }
    public long WalRecords { get; internal set; }

    /// <summary>Every problem, each naming the file (and offset) it was found in.</summary>
    public List<string> Problems { get; } = [];

    /// <summary>Things already set aside (<c>.corrupt</c> blocks, chunks moved into <c>damaged/</c>): not read, not problems.</summary>
    public List<string> SetAside { get; } = [];
}

/// <summary>
/// Verifies a data directory offline (<c>sawmill check</c>), read-only: every block's meta.json and index, every chunk's
/// header and every one of its blocks (checksum and a full decode), and every WAL segment and checkpoint record
/// (checksum and decode). Nothing is repaired or moved; run it against a stopped server's directory or a copy.
/// </summary>
public static class DataDirectoryCheck
{
    public static DataDirectoryReport Run(string dataDirectory, Action<string>? progress = null, CancellationToken cancellationToken = default)
    {
        var report = new DataDirectoryReport();
        var blocksDir = Path.Combine(dataDirectory, "blocks");
        if (Directory.Exists(blocksDir))
        {
            foreach (var tenantDir in Directory.GetDirectories(blocksDir).Order(StringComparer.Ordinal))
            {
                if (Tenant.Validate(Path.GetFileName(tenantDir)) != null)
                    continue;
                report.Tenants++;
                foreach (var dir in Directory.GetDirectories(tenantDir).Order(StringComparer.Ordinal))
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    var name = Path.GetFileName(dir);
                    if (name == LogStore.DamagedDirectoryName)
                    {
                        foreach (var f in Directory.GetFiles(dir, "*.chunk"))
                            report.SetAside.Add($"{f}: a damaged chunk that compaction moved aside");
                        continue;
                    }
                    if (name.EndsWith(".corrupt", StringComparison.Ordinal))
                    {
                        report.SetAside.Add($"{dir}: a block found corrupt at open and set aside");
                        continue;
                    }
                    if (name.EndsWith(".tmp", StringComparison.Ordinal) || name.EndsWith(".deleting", StringComparison.Ordinal))
                        continue;
                    CheckBlock(dir, report);
                    progress?.Invoke(dir);
                }
            }
        }
        var walDir = Path.Combine(dataDirectory, "wal");
        if (Directory.Exists(walDir))
        {
            var logger = new ProblemLogger(report);
            foreach (var file in Directory.GetFiles(walDir).Where(f => f.EndsWith(".wal", StringComparison.Ordinal) || Path.GetFileName(f).StartsWith("checkpoint.", StringComparison.Ordinal) && !f.EndsWith(".tmp", StringComparison.Ordinal)).Order(StringComparer.Ordinal))
            {
                cancellationToken.ThrowIfCancellationRequested();
                report.WalFiles++;
                using var decoded = new DecodedBlock();
                report.WalRecords += WalReplayer.ReplayFile(file, truncateTornTail: false,
                    (_, streams) => report.Entries += streams.Sum(s => s.Entries.Count),
                    (_, _, block) =>
                    {
                        try
                        {
                            BlockFormat.Decode(block, lines: true, metadata: true, decoded);
                            report.Entries += decoded.Count;
                        }
                        catch (StorageCorruptionException e)
                        {
                            report.Problems.Add($"{file}: block record: {e.Message}");
                        }
                    }, logger);
                progress?.Invoke(file);
            }
        }
        return report;
    }

    private static void CheckBlock(string dir, DataDirectoryReport report)
    {
        BlockReader reader;
        try
        {
            reader = BlockReader.Open(dir);
        }
        catch (StorageCorruptionException e)
        {
            report.Problems.Add(e.Message);
            return;
        }
        using (reader)
        {
            report.Blocks++;
            using var decoded = new DecodedBlock();
            foreach (var (labels, chunks) in reader.Series)
            {
                foreach (var meta in chunks)
                {
                    report.Chunks++;
                    try
                    {
                        var chunk = reader.ReadChunk(meta);
                        var entries = 0;
                        foreach (var block in chunk.Blocks)
                        {
                            report.EncodedBlocks++;
                            BlockFormat.Decode(block, lines: true, metadata: true, decoded);
                            entries += decoded.Count;
                        }
                        if (entries != meta.Entries)
                            throw new StorageCorruptionException(reader.ChunksPath, $"the index says {meta.Entries} entries, the chunk holds {entries}");
                        report.Entries += entries;
                    }
                    catch (StorageCorruptionException e)
                    {
                        report.Problems.Add($"{e.Message} (chunk at offset {meta.Offset}, {meta.Length} bytes, stream {labels}, {meta.Entries} entries)");
                    }
                }
            }
        }
    }

    /// <summary>Turns the WAL replayer's error and warning logs (each names the file and offset) into problems.</summary>
    private sealed class ProblemLogger(DataDirectoryReport report) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (logLevel >= LogLevel.Warning)
                report.Problems.Add(formatter(state, exception));
        }
    }
}
