using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Sawmill.Commands;

/// <summary>
/// <c>sawmill demo</c>: the course's whole loop on one machine. Starts a Sawmill server (child process, fresh data
/// directory), drops the course's four log alert rules into its ruler directory for tenant <c>fake</c>
/// (<c>&lt;data&gt;/rules/fake/churn-api.yaml</c>), starts the churn API example with its logs pushed to the server
/// (labels <c>app="churn-api"</c>, <c>env="demo"</c>, <c>level</c>), starts the traffic generator (with an
/// "incident" after a while so the alerts have something to fire on), prints the URLs to open, and stops everything
/// on ctrl-c. The ChurnApi binary is looked up next to this executable, then in the source tree's build output;
/// when absent it is built once with <c>dotnet build examples/ChurnApi</c>.
/// </summary>
internal static partial class DemoCommand
{
    private const string Usage = """
        usage: sawmill demo [flags]
          --port N             Sawmill HTTP port (default 3100)
          --api-port N         churn API port (default 5000)
          --rps N              generator requests per second (default 20)
          --incident-after D   start the simulated incident after D (default 90s; "off" for none)
          --data DIR           data directory (default: a new temporary directory, deleted on exit)
          --fast               evaluate the rules every 5s with every `for` at 10s (windows and thresholds as in
                               the course), so the first alert fires within about a minute
          --verbose            also print the churn API's own JSON logs
        """;

    public static async Task<int> RunAsync(string[] args)
    {
        int port = 3100, apiPort = 5000;
        var rps = "20";
        var incidentAfter = "90s";
        string? dataDir = null;
        var verbose = false;
        var fast = false;
        for (var i = 0; i < args.Length; i++)
        {
            var a = args[i].TrimStart('-');
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"--{a} needs a value");
            try
            {
                switch (a)
                {
                    case "port": port = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                    case "api-port": apiPort = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                    case "rps": rps = Next(); break;
                    case "incident-after": incidentAfter = Next(); break;
                    case "data": dataDir = Next(); break;
                    case "verbose": verbose = true; break;
                    case "fast": fast = true; break;
                    case "h" or "help":
                        Console.WriteLine(Usage);
                        return 0;
                    default: throw new ArgumentException($"unknown flag {args[i]}");
                }
            }
            catch (Exception e) when (e is ArgumentException or FormatException or OverflowException)
            {
                Console.Error.WriteLine("sawmill demo: " + e.Message);
                Console.Error.WriteLine(Usage);
                return 2;
            }
        }
        foreach (var p in new[] { port, apiPort })
        {
            if (!PortIsFree(p))
            {
                Console.Error.WriteLine($"sawmill demo: port {p} is in use; choose another with --port/--api-port");
                return 1;
            }
        }

        var churnApi = await FindOrBuildChurnApiAsync();
        if (churnApi == null)
            return 1;
        var ownsData = dataDir == null;
        dataDir ??= Directory.CreateTempSubdirectory("sawmill-demo-").FullName;
        Directory.CreateDirectory(Path.Combine(dataDir, "rules", "fake"));
        var rulesFile = Path.Combine(dataDir, "rules", "fake", "churn-api.yaml");
        await File.WriteAllTextAsync(rulesFile, fast ? FastRules() : CourseRules());

        using var stop = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            stop.Cancel();
        };
        // SIGTERM (docker stop, systemd, kill) stops the children too instead of orphaning them.
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, ctx =>
        {
            ctx.Cancel = true;
            stop.Cancel();
        });
        var children = new List<Child>();
        var sawmillUrl = $"http://127.0.0.1:{port}";
        var apiUrl = $"http://127.0.0.1:{apiPort}";
        try
        {
            var (file, prefix) = SelfCommand();
            children.Add(Child.Start("sawmill", file, [.. prefix, "server", "-server.http-listen-address=127.0.0.1",
                $"-server.http-listen-port={port}", "-common.path-prefix=" + dataDir], null, echo: true));
            if (!await WaitForAsync(sawmillUrl + "/ready", children, stop.Token))
                return 1;

            var env = new Dictionary<string, string>
            {
                ["SawmillLogging__Push__Url"] = sawmillUrl,
                ["SawmillLogging__Push__Labels__app"] = "churn-api",
                ["SawmillLogging__Push__Labels__env"] = "demo",
                ["SawmillLogging__Push__BatchWait"] = "00:00:00.500",
                ["SawmillLogging__Console__Enabled"] = verbose ? "true" : "false",
            };
            children.Add(Child.Start("churn-api", DotnetHost(), [churnApi, "--urls", apiUrl], env, echo: true));
            if (!await WaitForAsync(apiUrl + "/health", children, stop.Token))
                return 1;
            List<string> traffic = [churnApi, "traffic", "--target", apiUrl, "--rps", rps];
            if (incidentAfter != "off")
                traffic.AddRange(["--incident-after", incidentAfter, "--incident-for", "6m"]);
            children.Add(Child.Start("traffic", DotnetHost(), traffic, null, echo: true));

            Console.WriteLine($$"""

                Sawmill demo is running (data in {{dataDir}}).
                  Web UI (Explore, live tail, alerts)  {{sawmillUrl}}/
                  Churn API                            {{apiUrl}}/   (metrics at {{apiUrl}}/metrics)
                  Alert rules (tenant fake)            {{rulesFile}}
                  Rules / alerts API                   {{sawmillUrl}}/loki/api/v1/rules   {{sawmillUrl}}/prometheus/api/v1/alerts
                  Grafana: add a Loki data source with URL {{sawmillUrl}} (see deploy/grafana)

                Try the course's queries (Explore, or: sawmill query --addr={{sawmillUrl}} '<query>'):
                  {app="churn-api"} | json | level="ERROR"
                  {app="churn-api"} | json | confidence < 0.7
                  {app="churn-api"} | json | request_id="gen-1-42"
                  sum by (level) (rate({app="churn-api"}[1m]))
                  topk(5, sum by (error_type) (rate({app="churn-api"} | json | level="ERROR" [5m])))
                {{(fast ? "Fast rules (--fast): evaluated every 5s, every `for` 10s." : "The course's rules: evaluated every minute, `for` 1-5 minutes (--fast shortens both).")}}
                DatabaseConnectionError fires from the feature store's timeouts ({{(fast ? "within about a minute" : "after about two minutes")}}); the generator
                simulates an incident after {{incidentAfter}} and MissingFeatures then HighErrorRate fire some minutes later.
                Press ctrl-c to stop.

                """);

            var exited = Task.WhenAny(children.Select(c => c.Exited));
            await Task.WhenAny(exited, Task.Delay(Timeout.Infinite, stop.Token).ContinueWith(_ => { }, TaskScheduler.Default));
            if (!stop.IsCancellationRequested)
            {
                var dead = children.First(c => c.Exited.IsCompleted);
                Console.Error.WriteLine($"sawmill demo: {dead.Name} exited unexpectedly (code {dead.ExitCode}); stopping");
                return 1;
            }
            return 0;
        }
        finally
        {
            Console.WriteLine("sawmill demo: stopping");
            // Reverse order: the generator first, then the API (which flushes its logs to the server), then the server.
            for (var i = children.Count - 1; i >= 0; i--)
                await children[i].StopAsync(TimeSpan.FromSeconds(10));
            if (ownsData)
            {
                try
                {
                    Directory.Delete(dataDir, recursive: true);
                }
                catch (IOException)
                {
                }
            }
        }
    }

    /// <summary>
    /// The course's rules for <c>--fast</c>: same expressions, windows, thresholds, labels and annotations, but the
    /// group evaluated every 5s and every <c>for</c> 10s, so a demo shows a firing alert within about a minute.
    /// </summary>
    internal static string FastRules() =>
        ForClause().Replace(CourseRules().Replace("interval: 1m", "interval: 5s", StringComparison.Ordinal), "for: 10s");

    /// <summary>The course's "Log-Based Alerts" file (examples/course/grafana-alert-rules.yaml, embedded in the binary).</summary>
    internal static string CourseRules()
    {
        using var stream = typeof(DemoCommand).Assembly.GetManifestResourceStream("course-alert-rules.yaml")
            ?? throw new InvalidOperationException("the course rules resource is missing from the sawmill binary");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"for: \d+m")]
    private static partial System.Text.RegularExpressions.Regex ForClause();

    private static bool PortIsFree(int port)
    {
        try
        {
            using var l = new TcpListener(System.Net.IPAddress.Loopback, port);
            l.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>How to run this executable again: the apphost directly, or <c>dotnet sawmill.dll</c>.</summary>
    private static (string File, string[] Prefix) SelfCommand()
    {
        var process = Environment.ProcessPath ?? "dotnet";
        var name = Path.GetFileNameWithoutExtension(process);
        return name == "dotnet"
            ? (process, [Path.Combine(AppContext.BaseDirectory, "sawmill.dll")])
            : (process, []);
    }

    private static string DotnetHost()
    {
        var host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        if (!string.IsNullOrEmpty(host) && File.Exists(host))
            return host;
        var process = Environment.ProcessPath;
        return process != null && Path.GetFileNameWithoutExtension(process) == "dotnet" ? process : "dotnet";
    }

    /// <summary>
    /// ChurnApi.dll next to sawmill, else in the source tree (this binary lives in src/Sawmill/bin/…); built there
    /// once when missing. Null (with a message) when neither works.
    /// </summary>
    internal static async Task<string?> FindOrBuildChurnApiAsync()
    {
        var beside = Path.Combine(AppContext.BaseDirectory, "ChurnApi.dll");
        if (File.Exists(beside))
            return beside;
        var root = FindRepoRoot(AppContext.BaseDirectory) ?? FindRepoRoot(Directory.GetCurrentDirectory());
        if (root == null)
        {
            Console.Error.WriteLine("sawmill demo: cannot find examples/ChurnApi (run from a Sawmill source checkout)");
            return null;
        }
        var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}",
            StringComparison.Ordinal) ? "Release" : "Debug";
        var output = Path.Combine(root, "examples", "ChurnApi", "bin", configuration, "net10.0", "ChurnApi.dll");
        if (File.Exists(output))
            return output;
        Console.WriteLine($"sawmill demo: building the churn API example (once): dotnet build examples/ChurnApi -c {configuration}");
        var psi = new ProcessStartInfo(DotnetHost()) { UseShellExecute = false, WorkingDirectory = root };
        foreach (var a in new[] { "build", Path.Combine("examples", "ChurnApi", "ChurnApi.csproj"), "-c", configuration, "-nologo", "-v", "q" })
            psi.ArgumentList.Add(a);
        using var build = Process.Start(psi)!;
        await build.WaitForExitAsync();
        if (build.ExitCode != 0 || !File.Exists(output))
        {
            Console.Error.WriteLine($"sawmill demo: building examples/ChurnApi failed (exit code {build.ExitCode})");
            return null;
        }
        return output;
    }

    private static string? FindRepoRoot(string start)
    {
        for (var dir = new DirectoryInfo(start); dir != null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "examples", "ChurnApi", "ChurnApi.csproj")))
                return dir.FullName;
        }
        return null;
    }

    private static async Task<bool> WaitForAsync(string url, List<Child> children, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        while (!cancellationToken.IsCancellationRequested && DateTime.UtcNow < deadline)
        {
            var dead = children.FirstOrDefault(c => c.Exited.IsCompleted);
            if (dead != null)
            {
                Console.Error.WriteLine($"sawmill demo: {dead.Name} exited (code {dead.ExitCode}) before it was ready");
                return false;
            }
            try
            {
                using var r = await http.GetAsync(url, cancellationToken);
                if (r.IsSuccessStatusCode)
                    return true;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
            }
            try
            {
                await Task.Delay(200, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
        if (!cancellationToken.IsCancellationRequested)
            Console.Error.WriteLine($"sawmill demo: {url} did not answer in 90 s");
        return false;
    }

    /// <summary>A child process whose output lines are echoed with a name prefix.</summary>
    private sealed class Child
    {
        private readonly Process _process;
        private readonly TaskCompletionSource _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);

        private Child(string name, Process process)
        {
            Name = name;
            _process = process;
        }

        public string Name { get; }

        public Task Exited => _exited.Task;

        public int ExitCode => _process.HasExited ? _process.ExitCode : -1;

        public static Child Start(string name, string file, IEnumerable<string> args, Dictionary<string, string>? env, bool echo)
        {
            var psi = new ProcessStartInfo(file)
            {
                UseShellExecute = false,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            foreach (var a in args)
                psi.ArgumentList.Add(a);
            if (env != null)
            {
                foreach (var (k, v) in env)
                    psi.Environment[k] = v;
            }
            var process = new Process { StartInfo = psi, EnableRaisingEvents = true };
            var child = new Child(name, process);
            var prefix = $"[{name}] ";
            process.OutputDataReceived += (_, e) =>
            {
                if (echo && e.Data != null)
                    Console.WriteLine(prefix + e.Data);
            };
            process.ErrorDataReceived += (_, e) =>
            {
                if (e.Data != null)
                    Console.Error.WriteLine(prefix + e.Data);
            };
            process.Exited += (_, _) => child._exited.TrySetResult();
            process.Start();
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            return child;
        }

        /// <summary>SIGTERM (graceful: the API flushes its log queue), then a kill after the timeout.</summary>
        public async Task StopAsync(TimeSpan timeout)
        {
            if (_process.HasExited)
                return;
            try
            {
                using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)]))
                    await kill.WaitForExitAsync();
                using var cts = new CancellationTokenSource(timeout);
                await _process.WaitForExitAsync(cts.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or System.ComponentModel.Win32Exception or InvalidOperationException)
            {
                if (!_process.HasExited)
                    _process.Kill(entireProcessTree: true);
            }
        }
    }
}
