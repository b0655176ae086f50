using System.Diagnostics;
using System.Net.Http.Headers;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Sawmill.Testing;

namespace Sawmill.Tests.Packaging;

/// <summary>
/// Publishes the self-contained single-file binary once with deploy/docker/publish.sh — the command both Dockerfiles
/// run — and records how long that took.
/// </summary>
public sealed class PublishedBinary : IAsyncLifetime
{
    public string Directory { get; } = System.IO.Directory.CreateTempSubdirectory("sawmill-publish-").FullName;
    public string Binary => Path.Combine(Directory, "sawmill");
    public TimeSpan PublishTime { get; private set; }

    public async Task InitializeAsync()
    {
        var arch = RuntimeInformation.OSArchitecture == Architecture.Arm64 ? "arm64" : "amd64";
        var psi = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(RepositoryFiles.Path("deploy", "docker", "publish.sh"));
        psi.ArgumentList.Add(arch);
        psi.ArgumentList.Add(Directory);
        // The test host's MSBuild and test-platform variables would steer the child build; publish as from a shell.
        foreach (var key in psi.Environment.Keys.ToList())
            if (key.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase) || key.StartsWith("VSTEST", StringComparison.OrdinalIgnoreCase) || key == "DOTNET_HOST_PATH")
                psi.Environment.Remove(key);
        var sw = Stopwatch.StartNew();
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(20));
        await p.WaitForExitAsync(cts.Token);
        PublishTime = sw.Elapsed;
        if (p.ExitCode != 0 || !File.Exists(Binary))
            throw new InvalidOperationException($"publish.sh failed ({p.ExitCode}):\n{await stdout}\n{await stderr}");
    }

    public Task DisposeAsync()
    {
        System.IO.Directory.Delete(Directory, recursive: true);
        return Task.CompletedTask;
    }
}

/// <summary>
/// The published binary is one self-contained file that runs without .NET: started with an empty environment (no
/// dotnet on PATH, no DOTNET_ROOT; only DOTNET_BUNDLE_EXTRACT_BASE_DIR, as the images set it), it serves pushes and
/// queries, runs the agent, and answers the images' health probe. The Dockerfiles build with the same script.
/// </summary>
public sealed partial class SingleFileTests(PublishedBinary published) : IClassFixture<PublishedBinary>
{
    [Fact]
    public void The_publish_output_is_one_executable_file()
    {
        Assert.Equal(["sawmill"], System.IO.Directory.GetFiles(published.Directory).Select(Path.GetFileName));
        // An ELF executable (not a framework-dependent apphost next to a dll).
        var head = new byte[4];
        using (var fs = File.OpenRead(published.Binary))
            fs.ReadExactly(head);
        Assert.Equal(new byte[] { 0x7f, (byte)'E', (byte)'L', (byte)'F' }, head);
        Assert.True(new FileInfo(published.Binary).Length > 30_000_000, "a self-contained bundle carries the runtime");
        Console.WriteLine($"publish.sh took {published.PublishTime.TotalSeconds:F0} s; binary {new FileInfo(published.Binary).Length / 1_000_000} MB");
    }

    [Fact]
    public async Task Without_dotnet_the_server_accepts_a_push_and_answers_a_query_and_the_probe()
    {
        var data = System.IO.Directory.CreateTempSubdirectory("sawmill-sf-").FullName;
        try
        {
            await using var server = await Run(data, "-server.http-listen-address=127.0.0.1", "-server.http-listen-port=0", "-common.path-prefix=" + Path.Combine(data, "data"));
            var baseUri = await server.AddressAsync();
            using var http = new HttpClient { BaseAddress = baseUri };
            var ns = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1_000_000;
            var push = new StringContent($$"""{"streams":[{"stream":{"app":"single-file"},"values":[["{{ns}}","hello from a binary without dotnet"]]}]}""", Encoding.UTF8);
            push.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            Assert.Equal(204, (int)(await http.PostAsync("/loki/api/v1/push", push)).StatusCode);
            var body = await http.GetStringAsync($"/loki/api/v1/query_range?query={Uri.EscapeDataString("{app=\"single-file\"}")}&start={ns - 1_000_000_000}&end={ns + 1_000_000_000}");
            using var doc = JsonDocument.Parse(body);
            var values = doc.RootElement.GetProperty("data").GetProperty("result")[0].GetProperty("values");
            Assert.Equal("hello from a binary without dotnet", values[0][1].GetString());

            Assert.Equal(0, await RunToExit(data, "probe", new Uri(baseUri, "/ready").ToString()));
            Assert.Equal(1, await RunToExit(data, "probe", "-timeout=2s", "http://127.0.0.1:1/ready"));
            Assert.True(server.Environment.All(kv => kv.Key == "DOTNET_BUNDLE_EXTRACT_BASE_DIR"));
        }
        finally
        {
            System.IO.Directory.Delete(data, recursive: true);
        }
    }

    [Fact]
    public async Task Without_dotnet_the_agent_ships_a_file_to_the_server()
    {
        var data = System.IO.Directory.CreateTempSubdirectory("sawmill-sf-agent-").FullName;
        try
        {
            await using var server = await Run(data, "-server.http-listen-address=127.0.0.1", "-server.http-listen-port=0", "-common.path-prefix=" + Path.Combine(data, "data"));
            var baseUri = await server.AddressAsync();
            var log = Path.Combine(data, "app.log");
            File.WriteAllLines(log, ["first line", "second line"]);
            File.WriteAllText(Path.Combine(data, "agent.yaml"), $"""
                server:
                  http_listen_port: 0
                positions:
                  filename: {data}/positions.yaml
                clients:
                  - url: {baseUri}loki/api/v1/push
                    batchwait: 100ms
                scrape_configs:
                  - job_name: files
                    static_configs:
                      - targets: [localhost]
                        labels:
                          job: single-file-agent
                          __path__: {log}
                """);
            await using var agent = await Run(data, "agent", "-config.file=" + Path.Combine(data, "agent.yaml"), "-server.http-listen-address=127.0.0.1");
            using var http = new HttpClient { BaseAddress = baseUri };
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
            var ns = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1_000_000;
            while (true)
            {
                var body = await http.GetStringAsync($"/loki/api/v1/query_range?query={Uri.EscapeDataString("{job=\"single-file-agent\"}")}&start={ns - 3_600_000_000_000}&end={ns + 60_000_000_000}&direction=forward");
                if (body.Contains("second line", StringComparison.Ordinal))
                {
                    Assert.Contains("first line", body, StringComparison.Ordinal);
                    break;
                }
                if (DateTime.UtcNow > deadline)
                    throw new TimeoutException("the agent's lines did not arrive:\n" + agent.Output);
                await Task.Delay(200);
            }
        }
        finally
        {
            System.IO.Directory.Delete(data, recursive: true);
        }
    }

    /// <summary>Starts the published binary with an empty environment except the bundle extraction directory.</summary>
    private async Task<Running> Run(string dir, params string[] args)
    {
        var psi = Psi(dir, args);
        var r = new Running(Process.Start(psi)!, psi.Environment.ToDictionary(kv => kv.Key, kv => kv.Value ?? ""));
        await Task.Yield();
        return r;
    }

    private async Task<int> RunToExit(string dir, params string[] args)
    {
        using var p = Process.Start(Psi(dir, args))!;
        _ = p.StandardOutput.ReadToEndAsync();
        _ = p.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await p.WaitForExitAsync(cts.Token);
        return p.ExitCode;
    }

    private ProcessStartInfo Psi(string dir, string[] args)
    {
        var psi = new ProcessStartInfo(published.Binary) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = dir };
        psi.Environment.Clear();
        psi.Environment["DOTNET_BUNDLE_EXTRACT_BASE_DIR"] = Path.Combine(dir, "extract");
        foreach (var a in args)
            psi.ArgumentList.Add(a);
        return psi;
    }

    private sealed partial class Running : IAsyncDisposable
    {
        private readonly Process _process;
        private readonly StringBuilder _output = new();
        private readonly TaskCompletionSource<Uri> _address = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Running(Process process, Dictionary<string, string> environment)
        {
            _process = process;
            Environment = environment;
            process.OutputDataReceived += (_, e) => OnLine(e.Data);
            process.ErrorDataReceived += (_, e) => OnLine(e.Data);
            process.EnableRaisingEvents = true;
            process.Exited += (_, _) => _address.TrySetException(new InvalidOperationException("exited early:\n" + Output));
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
        }

        public Dictionary<string, string> Environment { get; }

        public string Output
        {
            get
            {
                lock (_output)
                    return _output.ToString();
            }
        }

        public Task<Uri> AddressAsync() => _address.Task.WaitAsync(TimeSpan.FromSeconds(60));

        private void OnLine(string? line)
        {
            if (line == null)
                return;
            lock (_output)
                _output.AppendLine(line);
            var m = AddrRegex().Match(line);
            if (m.Success)
                _address.TrySetResult(new Uri(m.Groups[1].Value.TrimEnd('/') + "/"));
        }

        public ValueTask DisposeAsync()
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit();
            }
            _process.Dispose();
            return ValueTask.CompletedTask;
        }

        [GeneratedRegex("addr=\"?(https?://[^\\s\"]+)")]
        private static partial Regex AddrRegex();
    }
}
