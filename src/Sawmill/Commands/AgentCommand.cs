using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using Sawmill.Agent;
using Sawmill.Agent.Config;
using Sawmill.Agent.Hosting;

namespace Sawmill.Commands;

/// <summary>
/// <c>sawmill agent</c>: the Promtail-compatible collector. Reads Promtail's flags (single or double dash,
/// <c>-flag=value</c> or <c>-flag value</c>) and YAML config; runs until SIGTERM/SIGINT, then shuts down gracefully.
/// </summary>
internal static class AgentCommand
{
    private const string Usage = """
        Usage: sawmill agent -config.file=promtail.yaml [flags]

        Flags (Promtail's names):
          -config.file string            Promtail configuration file (required)
          -config.expand-env             Expand ${VAR} and ${VAR:-default} in the config
          -dry-run                       Print what would be sent (timestamp, labels, line) instead of sending
          -inspect                       Print each pipeline stage's effect on every entry (implies nothing is sent with -dry-run)
          -check-syntax                  Only check that the config loads, then exit
          -print-config-stderr           Print the loaded configuration summary to stderr
          -client.url string             Push URL; adds a client (or replaces the config's clients when given)
          -client.tenant-id string       Tenant for the -client.url client
          -client.external-labels k=v,…  External labels for the -client.url client
          -positions.file string         Overrides positions.filename
          -server.http-listen-address    Overrides server.http_listen_address
          -server.http-listen-port int   Overrides server.http_listen_port (0 = any free port)
          -log.level level               debug, info, warn, error (default info)
        """;

    public static async Task<int> RunAsync(string[] args)
    {
        var flags = new Dictionary<string, string>(StringComparer.Ordinal);
        var booleans = new HashSet<string>(StringComparer.Ordinal) { "dry-run", "inspect", "check-syntax", "print-config-stderr", "config.expand-env", "help", "h" };
        for (var i = 0; i < args.Length; i++)
        {
            var a = args[i];
            if (!a.StartsWith('-'))
            {
                Console.Error.WriteLine($"sawmill agent: unexpected argument \"{a}\"\n{Usage}");
                return 2;
            }
            var name = a.TrimStart('-');
            string value;
            var eq = name.IndexOf('=');
            if (eq >= 0)
            {
                value = name[(eq + 1)..];
                name = name[..eq];
            }
            else if (booleans.Contains(name))
            {
                value = "true";
            }
            else if (i + 1 < args.Length)
            {
                value = args[++i];
            }
            else
            {
                Console.Error.WriteLine($"sawmill agent: flag needs an argument: -{name}");
                return 2;
            }
            flags[name] = value;
        }
        if (flags.ContainsKey("help") || flags.ContainsKey("h"))
        {
            Console.WriteLine(Usage);
            return 0;
        }
        bool Bool(string n) => flags.TryGetValue(n, out var v) && v is "true" or "1";

        AgentConfig config;
        try
        {
            if (!flags.TryGetValue("config.file", out var file))
                throw new ConfigException("-config.file is required");
            config = AgentConfigLoader.LoadFile(file, Bool("config.expand-env"));
            if (flags.TryGetValue("client.url", out var url))
            {
                if (!Uri.TryCreate(url, UriKind.Absolute, out var uri))
                    throw new ConfigException($"-client.url: invalid URL \"{url}\"");
                var external = new Dictionary<string, string>(StringComparer.Ordinal);
                if (flags.TryGetValue("client.external-labels", out var ext))
                {
                    foreach (var pair in ext.Split(',', StringSplitOptions.RemoveEmptyEntries))
                    {
                        var kv = pair.Split('=', 2);
                        if (kv.Length != 2)
                            throw new ConfigException($"-client.external-labels: expected name=value, got \"{pair}\"");
                        external[kv[0]] = kv[1];
                    }
                }
                config = config with
                {
                    Clients = [new ClientConfig { Url = uri, TenantId = flags.GetValueOrDefault("client.tenant-id"), ExternalLabels = external }],
                };
            }
            if (flags.TryGetValue("positions.file", out var pf))
                config = config with { Positions = config.Positions with { Filename = pf } };
            foreach (var sc in config.ScrapeConfigs)
                Sawmill.Agent.Stages.StageFactory.Validate(sc.PipelineStages);
        }
        catch (ConfigException e)
        {
            Console.Error.WriteLine($"sawmill agent: {e.Message}");
            return 1;
        }
        foreach (var w in config.Warnings)
            Console.Error.WriteLine($"sawmill agent: warning: {w}");
        if (Bool("print-config-stderr"))
            Console.Error.Write(AgentConfigPrinter.Print(config));
        if (Bool("check-syntax"))
        {
            Console.WriteLine("Valid config file! No syntax issues found");
            return 0;
        }

        var level = flags.GetValueOrDefault("log.level", "info") switch
        {
            "debug" => LogLevel.Debug,
            "warn" => LogLevel.Warning,
            "error" => LogLevel.Error,
            _ => LogLevel.Information,
        };
        using var loggers = LoggerFactory.Create(b => b
            .SetMinimumLevel(level)
            .AddSimpleConsole(o =>
            {
                o.SingleLine = true;
                o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
                o.UseUtcTimestamp = true;
            })
            .AddFilter("Microsoft", LogLevel.Warning));
        var options = new AgentHostOptions
        {
            DryRun = Bool("dry-run"),
            Inspect = Bool("inspect") ? Console.Out : null,
            HttpListenPort = flags.TryGetValue("server.http-listen-port", out var port) ? int.Parse(port, System.Globalization.CultureInfo.InvariantCulture) : null,
            HttpListenAddress = flags.GetValueOrDefault("server.http-listen-address"),
        };
        AgentHost host;
        try
        {
            host = await AgentHost.StartAsync(config, options, loggers);
        }
        catch (Exception e) when (e is ConfigException or IOException or InvalidDataException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"sawmill agent: {e.Message}");
            return 1;
        }
        var stop = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c =>
        {
            c.Cancel = true;
            stop.TrySetResult();
        });
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, c =>
        {
            c.Cancel = true;
            stop.TrySetResult();
        });
        await stop.Task;
        await host.DisposeAsync();
        return 0;
    }
}
