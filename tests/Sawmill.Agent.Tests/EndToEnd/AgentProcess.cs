using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Sawmill.Testing;

namespace Sawmill.Agent.Tests.EndToEnd;

/// <summary>
/// A real <c>sawmill agent</c> process (the same sawmill.dll the server tests run) with its HTTP server on a loopback
/// port chosen by the OS. Waits for its "listening addr=…" line and <c>/ready</c>. Output is kept for failure messages.
/// <see cref="Kill"/> is SIGKILL (no shutdown code runs); <see cref="StopAsync"/> is SIGTERM (graceful).
/// </summary>
internal sealed partial class AgentProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly TaskCompletionSource<string> _address = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private AgentProcess(Process process) => _process = process;

    public Uri BaseAddress { get; private set; } = null!;

    public string Output
    {
        get
        {
            lock (_output)
                return _output.ToString();
        }
    }

    public static Task<AgentProcess> StartAsync(string configFile, params string[] extra) => StartAsync(configFile, null, extra);

    /// <summary>Starts the agent with extra environment variables (HOSTNAME for Kubernetes discovery).</summary>
    public static async Task<AgentProcess> StartAsync(string configFile, IDictionary<string, string>? environment, params string[] extra)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (environment != null)
            foreach (var (k, v) in environment)
                psi.Environment[k] = v;
        psi.ArgumentList.Add(SawmillProcess.DllPath);
        psi.ArgumentList.Add("agent");
        psi.ArgumentList.Add("-config.file=" + configFile);
        psi.ArgumentList.Add("-server.http-listen-address=127.0.0.1");
        psi.ArgumentList.Add("-server.http-listen-port=0");
        foreach (var a in extra)
            psi.ArgumentList.Add(a);
        var process = new Process { StartInfo = psi, EnableRaisingEvents = true };
        var ap = new AgentProcess(process);
        process.OutputDataReceived += (_, e) => ap.OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => ap.OnLine(e.Data);
        process.Exited += (_, _) => ap._address.TrySetException(new InvalidOperationException("sawmill agent exited early:\n" + ap.Output));
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            ap.BaseAddress = new Uri(await ap._address.Task.WaitAsync(TimeSpan.FromSeconds(60)));
            using var http = new HttpClient { BaseAddress = ap.BaseAddress, Timeout = TimeSpan.FromSeconds(5) };
            await E2E.WaitUntilAsync(async () =>
            {
                try
                {
                    using var r = await http.GetAsync("/ready");
                    return r.IsSuccessStatusCode;
                }
                catch (HttpRequestException)
                {
                    return false;
                }
            }, "agent /ready", TimeSpan.FromSeconds(60));
        }
        catch (Exception e)
        {
            await ap.DisposeAsync();
            throw new InvalidOperationException($"sawmill agent did not become ready: {e.Message}\n--- output ---\n{ap.Output}", e);
        }
        return ap;
    }

    /// <summary>The agent's <c>/metrics</c> text.</summary>
    public async Task<string> MetricsAsync()
    {
        using var http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(10) };
        return await http.GetStringAsync("/metrics");
    }

    /// <summary>Sum of every sample of <paramref name="family"/> in <c>/metrics</c> (0 when absent).</summary>
    public async Task<double> MetricSumAsync(string family)
    {
        var text = await MetricsAsync();
        double sum = 0;
        foreach (var line in text.Split('\n'))
        {
            if (!line.StartsWith(family, StringComparison.Ordinal) || line.Length == family.Length || (line[family.Length] != '{' && line[family.Length] != ' '))
                continue;
            sum += double.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture);
        }
        return sum;
    }

    public void Kill()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }
    }

    public async Task<int> StopAsync()
    {
        if (!_process.HasExited)
        {
            using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)]))
                await kill.WaitForExitAsync();
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            await _process.WaitForExitAsync(cts.Token);
        }
        return _process.ExitCode;
    }

    private void OnLine(string? line)
    {
        if (line == null)
            return;
        lock (_output)
            _output.AppendLine(line);
        var m = AddrRegex().Match(line);
        if (m.Success)
            _address.TrySetResult(m.Groups[1].Value.TrimEnd('/') + "/");
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            Kill();
        }
        catch (InvalidOperationException)
        {
        }
        await Task.Yield();
        _process.Dispose();
    }

    [GeneratedRegex("listening addr=\"?(https?://[^\\s\"]+)")]
    private static partial Regex AddrRegex();
}
