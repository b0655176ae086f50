using System.Globalization;
using Sawmill.Storage;

namespace Sawmill.Commands;

/// <summary>
/// <c>sawmill check</c>: verifies a data directory offline and read-only — every block (meta.json, index, each chunk's
/// header and each of its blocks: checksum and a full decode, entry counts against the index) and every WAL segment and
/// checkpoint record. Prints each problem with the file it is in, then a summary. Exit status 0 when everything is
/// intact, 1 when something is damaged, 2 for a usage error.
/// </summary>
internal static class CheckCommand
{
    private const string Usage = """
        usage: sawmill check [flags]
          -data DIR, -common.path-prefix DIR   the data directory to verify (default ./data)
          -quiet                               print only problems and the summary

        Verifies a data directory offline without changing it: blocks, chunks, WAL segments and checkpoints.
        Exit status: 0 intact, 1 damage found, 2 usage error. Queries skip damaged chunks with a warning and
        the compactor moves them aside; this finds damage no query has read yet.
        """;

    public static Task<int> RunAsync(string[] args)
    {
        var dataDir = "./data";
        var quiet = false;
        for (var i = 0; i < args.Length; i++)
        {
            var arg = args[i].TrimStart('-');
            var eq = arg.IndexOf('=');
            var (name, inline) = eq < 0 ? (arg, null) : (arg[..eq], arg[(eq + 1)..]);
            switch (name)
            {
                case "data" or "common.path-prefix":
                    var value = inline ?? (i + 1 < args.Length ? args[++i] : null);
                    if (value == null)
                    {
                        Console.Error.WriteLine($"sawmill check: -{name} needs a directory");
                        return Task.FromResult(2);
                    }
                    dataDir = value;
                    break;
                case "quiet":
                    quiet = true;
                    break;
                case "h" or "help":
                    Console.WriteLine(Usage);
                    return Task.FromResult(0);
                default:
                    Console.Error.WriteLine($"sawmill check: unknown flag {args[i]}\n{Usage}");
                    return Task.FromResult(2);
            }
        }
        if (!Directory.Exists(dataDir))
        {
            Console.Error.WriteLine($"sawmill check: {dataDir} is not a directory");
            return Task.FromResult(2);
        }
        var report = DataDirectoryCheck.Run(dataDir, quiet ? null : path => Console.WriteLine("checked " + path));
        foreach (var p in report.Problems)
            Console.WriteLine("DAMAGED " + p);
        foreach (var s in report.SetAside)
            Console.WriteLine("set aside " + s);
        var inv = CultureInfo.InvariantCulture;
        var verdict = report.Problems.Count == 0 ? "no damage found" : string.Create(inv, $"{report.Problems.Count:N0} problems");
        Console.WriteLine(string.Create(inv,
            $"{Path.GetFullPath(dataDir)}: {report.Blocks:N0} blocks of {report.Tenants:N0} tenants, {report.Chunks:N0} chunks, {report.EncodedBlocks:N0} chunk blocks, {report.WalFiles:N0} WAL files with {report.WalRecords:N0} records, {report.Entries:N0} entries read: {verdict}"));
        return Task.FromResult(report.Problems.Count == 0 ? 0 : 1);
    }
}
