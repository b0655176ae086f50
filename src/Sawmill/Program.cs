using Sawmill.Commands;

namespace Sawmill;

/// <summary>
/// The one executable. <c>sawmill</c> with no command (or with Loki-style flags such as
/// <c>-config.file=loki.yaml</c>) runs the server; other roles and tools are sub-commands.
/// Each command lives in its own file under Commands/.
/// </summary>
internal static class Program
{
    private static readonly Dictionary<string, (string Summary, Func<string[], Task<int>> Run)> Commands = new(StringComparer.Ordinal)
    {
        ["server"] = ("Run the Sawmill server (the default command)", ServerCommand.RunAsync),
        ["agent"] = ("Run the log collection agent (Promtail-compatible config)", AgentCommand.RunAsync),
        ["query"] = ("Run a LogQL query against a server (logcli-compatible)", ClientCommands.QueryAsync),
        ["instant-query"] = ("Run an instant LogQL query", ClientCommands.InstantQueryAsync),
        ["labels"] = ("List label names or the values of one label", ClientCommands.LabelsAsync),
        ["series"] = ("List the streams that match a selector", ClientCommands.SeriesAsync),
        ["tail"] = ("Follow matching log lines live", ClientCommands.TailAsync),
        ["stats"] = ("Show index statistics for a selector", ClientCommands.StatsAsync),
        ["volume"] = ("Show log volume for a selector", ClientCommands.VolumeAsync),
        ["demo"] = ("Start the server, the churn API example and a traffic generator", DemoCommand.RunAsync),
        ["bench"] = ("Load-test a running server (push and query throughput)", BenchCommand.RunAsync),
        ["upload-blocks"] = ("Upload a single-process data directory to the bucket of a scalable deployment", UploadBlocksCommand.RunAsync),
        ["check"] = ("Verify a data directory offline (blocks, chunks, WAL) and report damage", CheckCommand.RunAsync),
        ["probe"] = ("Exit 0 when a URL answers 2xx (container health checks)", ProbeCommand.RunAsync),
    };

    public static async Task<int> Main(string[] args)
    {
        if (args.Length > 0 && args[0] is "help" or "--help" or "-h")
        {
            PrintHelp();
            return 0;
        }
        if (args.Length > 0 && args[0] is "version" or "--version" or "-version")
        {
            Console.WriteLine($"sawmill, version {BuildInfo.Version} (revision {BuildInfo.Revision})");
            return 0;
        }
        if (args.Length > 0 && !args[0].StartsWith('-'))
        {
            if (Commands.TryGetValue(args[0], out var command))
                return await command.Run(args[1..]);
            Console.Error.WriteLine($"sawmill: unknown command \"{args[0]}\"; run 'sawmill help' for the list");
            return 2;
        }
        return await ServerCommand.RunAsync(args);
    }

    private static void PrintHelp()
    {
        Console.WriteLine("""
            Sawmill: a Loki-compatible log store.

            Usage:
              sawmill [flags]               run the server (same as 'sawmill server')
              sawmill <command> [flags]     run a command; 'sawmill <command> --help' for its flags

            Commands:
            """);
        foreach (var (name, (summary, _)) in Commands)
            Console.WriteLine($"  {name,-15} {summary}");
        Console.WriteLine();
        Console.WriteLine("  help            Show this help");
        Console.WriteLine("  version         Show the version");
    }
}
