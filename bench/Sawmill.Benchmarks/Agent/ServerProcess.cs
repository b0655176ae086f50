using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Sawmill.Benchmarks.Agent;

/// <summary>A real <c>sawmill</c> server process on a free loopback port for the agent figures; killed on dispose.</summary>
internal sealed partial class ServerProcess : IDisposable
{
    private readonly Process _process;

    private ServerProcess(Process process, Uri baseAddress)
    {
        _process = process;
        PushUrl = new Uri(baseAddress, "loki/api/v1/push");
    }

    public Uri PushUrl { get; }

    public static async Task<ServerProcess> StartAsync(string dll, string dataDir)
    {
        // Loki's default limits (4 MB/s per tenant, 3 MB/s per stream) would measure the server's rate limiter, not the agent.
        Directory.CreateDirectory(dataDir);
        var config = Path.Combine(dataDir, "..", "bench-server.yaml");
        File.WriteAllText(config, """
            limits_config:
              ingestion_rate_mb: 100000
              ingestion_burst_size_mb: 100000
              per_stream_rate_limit: 100GB
              per_stream_rate_limit_burst: 100GB
            """);
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { dll, "-config.file=" + config, "-server.http-listen-address=127.0.0.1", "-server.http-listen-port=0", "-common.path-prefix=" + dataDir, "-log.level=warn" })
            psi.ArgumentList.Add(a);
        var process = Process.Start(psi)!;
        var address = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnLine(string? line)
        {
            if (line != null && AddrRegex().Match(line) is { Success: true } m)
                address.TrySetResult(new Uri(m.Groups[1].Value.TrimEnd('/') + "/"));
        }
        process.OutputDataReceived += (_, e) => OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => OnLine(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var baseAddress = await address.Task.WaitAsync(TimeSpan.FromSeconds(60));
        using var http = new HttpClient { BaseAddress = baseAddress };
        for (var i = 0; i < 600; i++)
        {
            try
            {
                if ((await http.GetAsync("/ready")).IsSuccessStatusCode)
                    return new ServerProcess(process, baseAddress);
            }
            catch (HttpRequestException)
            {
            }
            await Task.Delay(100);
        }
        process.Kill();
        throw new TimeoutException("sawmill did not become ready");
    }

    public void Dispose()
    {
        if (!_process.HasExited)
            _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
        _process.Dispose();
    }

    [GeneratedRegex("addr=\"?(https?://[^\\s\"]+)")]
    private static partial Regex AddrRegex();
}
