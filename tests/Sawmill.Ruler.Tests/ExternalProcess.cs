using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Sawmill.Ruler.Tests;

/// <summary>
/// A real Prometheus or Alertmanager (Debian's binaries) on a free loopback port with a temp directory; ready when
/// <c>/-/ready</c> answers 200. Dispose kills it and deletes the directory.
/// </summary>
internal sealed class ExternalProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private ExternalProcess(Process process, string dir, Uri address)
    {
        _process = process;
        Directory = dir;
        Address = address;
    }

    public Uri Address { get; }
    public string Directory { get; }

    public string Output
    {
        get
        {
            lock (_output)
                return _output.ToString();
        }
    }

    public static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    /// <summary>Alertmanager with one receiver that goes nowhere; alerts stay visible in its API.</summary>
    public static Task<ExternalProcess> AlertmanagerAsync(string? dir = null)
    {
        dir ??= System.IO.Directory.CreateTempSubdirectory("sawmill-ruler-am-").FullName;
        var port = FreePort();
        var config = Path.Combine(dir, "alertmanager.yml");
        File.WriteAllText(config, "route:\n  receiver: blackhole\n  group_wait: 0s\n  group_interval: 1s\nreceivers:\n  - name: blackhole\n");
        return StartAsync("/usr/bin/prometheus-alertmanager", dir, port,
            ["--config.file=" + config, "--storage.path=" + Path.Combine(dir, "data"), $"--web.listen-address=127.0.0.1:{port}", "--cluster.listen-address="]);
    }

    /// <summary>Prometheus with the remote-write receiver on and nothing to scrape.</summary>
    public static Task<ExternalProcess> PrometheusAsync(string? dir = null, int? port = null)
    {
        dir ??= System.IO.Directory.CreateTempSubdirectory("sawmill-ruler-prom-").FullName;
        var p = port ?? FreePort();
        var config = Path.Combine(dir, "prometheus.yml");
        File.WriteAllText(config, "global:\n  scrape_interval: 1m\n");
        return StartAsync("/usr/bin/prometheus", dir, p,
            ["--config.file=" + config, "--storage.tsdb.path=" + Path.Combine(dir, "data"), $"--web.listen-address=127.0.0.1:{p}", "--web.enable-remote-write-receiver"]);
    }

    private static async Task<ExternalProcess> StartAsync(string exe, string dir, int port, string[] args)
    {
        var psi = new ProcessStartInfo(exe) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args)
            psi.ArgumentList.Add(a);
        var process = new Process { StartInfo = psi };
        var ep = new ExternalProcess(process, dir, new Uri($"http://127.0.0.1:{port}/"));
        process.OutputDataReceived += (_, e) => ep.Append(e.Data);
        process.ErrorDataReceived += (_, e) => ep.Append(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var client = new HttpClient { BaseAddress = ep.Address, Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            try
            {
                using var r = await client.GetAsync("-/ready");
                if (r.StatusCode == HttpStatusCode.OK)
                    return ep;
            }
            catch (HttpRequestException)
            {
            }
            if (process.HasExited || DateTime.UtcNow > deadline)
            {
                var output = ep.Output;
                await ep.DisposeAsync();
                throw new InvalidOperationException($"{exe} did not become ready:\n{output}");
            }
            await Task.Delay(100);
        }
    }

    private void Append(string? line)
    {
        if (line != null)
            lock (_output)
                _output.AppendLine(line);
    }

    /// <summary>Kills the process but keeps its directory (to restart on the same data).</summary>
    public async Task KillAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }
        }
        catch (InvalidOperationException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process.Dispose();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
