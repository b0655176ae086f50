using Sawmill.Server.Api;
using Sawmill.Server.Config;
using Sawmill.Server.Hosting;

namespace Sawmill.Commands;

/// <summary>
/// <c>sawmill</c> / <c>sawmill server</c>: runs every component in one process. Reads Loki's flags and YAML config;
/// with no flags at all it serves http://127.0.0.1:3100 with data under ./data.
/// </summary>
internal static class ServerCommand
{
    public static async Task<int> RunAsync(string[] args)
    {
        SawmillConfig config;
        ServerFlags flags;
        try
        {
            flags = ServerFlags.Parse(args);
            if (flags.Help)
            {
                Console.WriteLine(ServerFlags.Usage());
                return 0;
            }
            config = flags.BuildConfig();
        }
        catch (ConfigException e)
        {
            Console.Error.WriteLine($"sawmill: {e.Message}");
            return 1;
        }
        if (flags.Bool("print-config-stderr"))
            Console.Error.Write(ConfigPrinter.ToYaml(config));

        StatusEndpoints.Version = BuildInfo.Version;
        StatusEndpoints.Revision = BuildInfo.Revision;
        SawmillServer server;
        try
        {
            server = await SawmillServer.StartAsync(config, QueryEngineFactory.Create);
        }
        catch (Exception e) when (e is IOException or ConfigException or Sawmill.Cluster.Ring.RingException or Sawmill.Storage.Bucket.BucketException)
        {
            Console.Error.WriteLine($"sawmill: cannot start: {e.Message}");
            return 1;
        }
        await server.WaitForShutdownAsync();
        await server.DisposeAsync();
        return 0;
    }
}
