using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Sawmill.Web.Tests;

/// <summary>
/// A real Prometheus (<c>/usr/bin/prometheus</c>) on a free loopback port with its own TSDB directory, scraping itself
/// and the given targets every second, so the split view has real series to draw.
/// </summary>
internal sealed class PrometheusProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _dir;
    private readonly StringBuilder _output = new();

    private PrometheusProcess(Process process, string dir, Uri address)
    {
        _process = process;
        _dir = dir;
        Address = address;
    }

    public Uri Address { get; }

    public string Output
    {
        get
        {
            lock (_output)
                return _output.ToString();
        }
    }

    /// <summary>Starts on <paramref name="port"/> (reserve one with <see cref="FreePort"/>).</summary>
    public static async Task<PrometheusProcess> StartAsync(int port, IEnumerable<(string Job, string HostPort)> targets)
    {
        var dir = Directory.CreateTempSubdirectory("sawmill-web-prom-").FullName;
        var config = new StringBuilder("global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs:\n");
        config.Append(CultureInfo.InvariantCulture, $"  - job_name: prometheus\n    static_configs:\n      - targets: ['127.0.0.1:{port}']\n");
        foreach (var (job, hostPort) in targets)
            config.Append(CultureInfo.InvariantCulture, $"  - job_name: {job}\n    static_configs:\n      - targets: ['{hostPort}']\n");
        var configPath = Path.Combine(dir, "prometheus.yml");
        await File.WriteAllTextAsync(configPath, config.ToString());
        var psi = new ProcessStartInfo("/usr/bin/prometheus")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add("--config.file=" + configPath);
        psi.ArgumentList.Add("--storage.tsdb.path=" + Path.Combine(dir, "data"));
        psi.ArgumentList.Add("--web.listen-address=127.0.0.1:" + port.ToString(CultureInfo.InvariantCulture));
        var process = new Process { StartInfo = psi };
        var prom = new PrometheusProcess(process, dir, new Uri($"http://127.0.0.1:{port}/"));
        process.OutputDataReceived += (_, e) => prom.Append(e.Data);
        process.ErrorDataReceived += (_, e) => prom.Append(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var client = new HttpClient { BaseAddress = prom.Address, Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            try
            {
                using var r = await client.GetAsync("-/ready");
                if (r.StatusCode == HttpStatusCode.OK)
                    return prom;
            }
            catch (HttpRequestException)
            {
            }
            if (process.HasExited || DateTime.UtcNow > deadline)
            {
                await prom.DisposeAsync();
                throw new InvalidOperationException("prometheus did not become ready:\n" + prom.Output);
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

    public static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
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
        _process.Dispose();
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
