namespace Sawmill.Server.Config;

/// <summary>
/// The server's command-line flags, with Loki's names and syntax (<c>-name=value</c>, <c>-name value</c>,
/// <c>--name=value</c>, bare <c>-name</c> for booleans). Flags override the config file.
/// </summary>
public sealed class ServerFlags
{
    public static readonly (string Name, string Help, bool IsBool)[] All =
    [
        ("config.file", "YAML file to load (Loki's configuration format).", false),
        ("config.expand-env", "Expand ${VAR} and ${VAR:-default} in the config file.", true),
        ("print-config-stderr", "Print the effective configuration to stderr at start-up.", true),
        ("server.http-listen-address", "HTTP listen address (default 127.0.0.1).", false),
        ("server.http-listen-port", "HTTP listen port (default 3100; 0 picks a free port).", false),
        ("common.path-prefix", "Data directory (default ./data).", false),
        ("auth.enabled", "Require X-Scope-OrgID on every request (multi-tenancy).", true),
        ("log.level", "Log level: debug, info, warn, error (default info).", false),
        ("log.format", "Log format: logfmt or json (default logfmt).", false),
        ("target", "What to run: all (default; one process, no bucket or ring needed), write (distributor + ingester), read (querier + query frontend) or backend (compactor + ruler), Loki's simple scalable deployment.", false),
        ("common.instance-addr", "Address other nodes reach this one at (default: the first non-loopback address).", false),
        ("common.replication-factor", "How many ingesters each stream is written to (default 3).", false),
        ("common.storage.ring.instance-id", "This node's id in the rings (default: the host name).", false),
        ("querier.query-ingesters-within", "Queries reaching back less than this also ask the ingesters (default 3h).", false),
        ("runtime-config.file", "Per-tenant overrides file, reloaded live.", false),
    ];

    public Dictionary<string, string> Values { get; } = new(StringComparer.Ordinal);
    public bool Help { get; private set; }

    public static ServerFlags Parse(string[] args)
    {
        var flags = new ServerFlags();
        for (var i = 0; i < args.Length; i++)
        {
            var a = args[i];
            if (a is "-h" or "--help" or "-help")
            {
                flags.Help = true;
                continue;
            }
            if (!a.StartsWith('-'))
                throw new ConfigException($"unexpected argument \"{a}\"; flags look like -config.file=loki.yaml (see -help)");
            var body = a.TrimStart('-');
            string name, value;
            var eq = body.IndexOf('=', StringComparison.Ordinal);
            if (eq >= 0)
            {
                name = body[..eq];
                value = body[(eq + 1)..];
            }
            else
            {
                name = body;
                var def = Array.Find(All, f => f.Name == name);
                if (def.Name == null)
                    throw new ConfigException($"flag provided but not defined: -{name} (see -help)");
                if (def.IsBool)
                {
                    value = "true";
                }
                else
                {
                    if (i + 1 >= args.Length)
                        throw new ConfigException($"flag needs an argument: -{name}");
                    value = args[++i];
                }
            }
            if (Array.FindIndex(All, f => f.Name == name) < 0)
                throw new ConfigException($"flag provided but not defined: -{name} (see -help)");
            flags.Values[name] = value;
        }
        return flags;
    }

    public string? Get(string name) => Values.TryGetValue(name, out var v) ? v : null;

    public bool IsSet(string name) => Values.ContainsKey(name);

    /// <summary>Loads the config file named by -config.file (if any) and applies the flags over it.</summary>
    public SawmillConfig BuildConfig()
    {
        var config = new SawmillConfig();
        var file = Get("config.file");
        if (file != null)
            config = ConfigLoader.LoadFile(file, Bool("config.expand-env"), config);
        if (Get("server.http-listen-address") is { } addr)
            config = config with { HttpListenAddress = addr };
        if (Get("server.http-listen-port") is { } port)
            config = config with { HttpListenPort = ConfigLoader.Port("-server.http-listen-port", port) };
        if (Get("common.path-prefix") is { } prefix)
            config = config with { PathPrefix = prefix };
        if (IsSet("auth.enabled"))
            config = config with { AuthEnabled = Bool("auth.enabled") };
        if (Get("log.level") is { } level)
            config = config with { LogLevel = ConfigLoader.OneOf("-log.level", level, "debug", "info", "warn", "error") };
        if (Get("log.format") is { } format)
            config = config with { LogFormat = ConfigLoader.OneOf("-log.format", format, "logfmt", "json") };
        if (Get("target") is { } target)
            config = config with { Target = target };
        if (Get("runtime-config.file") is { } rc)
            config = config with { RuntimeConfigFile = rc };
        if (Get("common.instance-addr") is { } ia)
            config = config with { Cluster = config.Cluster with { InstanceAddr = ia } };
        if (Get("common.replication-factor") is { } rf)
            config = config with { Cluster = config.Cluster with { ReplicationFactor = ConfigLoader.Positive("-common.replication-factor", rf) } };
        if (Get("common.storage.ring.instance-id") is { } id)
            config = config with { Cluster = config.Cluster with { InstanceId = id } };
        if (Get("querier.query-ingesters-within") is { } qiw)
            config = config with { Cluster = config.Cluster with { QueryIngestersWithin = ConfigLoader.Duration("-querier.query-ingesters-within", qiw) } };
        if (config.Target is not ("all" or "write" or "read" or "backend"))
            throw new ConfigException($"-target={config.Target}: Sawmill runs Loki's simple scalable targets: all (one process), write, read or backend");
        return config with { Warnings = [.. config.Warnings, .. ConfigLoader.SingleProcessWarnings(config)] };
    }

    public bool Bool(string name) => Get(name) is { } v && ConfigLoader.Bool("-" + name, v);

    public static string Usage()
    {
        var sb = new System.Text.StringBuilder();
        sb.AppendLine("Usage: sawmill [flags]   (runs the server; 'sawmill help' lists the other commands)");
        sb.AppendLine();
        foreach (var (name, help, isBool) in All)
            sb.AppendLine($"  -{name}{(isBool ? "" : " value")}").AppendLine($"        {help}");
        return sb.ToString();
    }
}
