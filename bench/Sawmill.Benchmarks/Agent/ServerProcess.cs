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
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { dll, "-server.http-listen-address=127.0.0.1", "-server.http-listen-port=0", "-common.path-prefix=" + dataDir, "-log.level=warn" })
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
