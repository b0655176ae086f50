using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;

namespace Sawmill.Testing;

/// <summary>
/// A real <c>sawmill</c> server process on a loopback port chosen by the OS, with its own data directory.
/// The server prints <c>addr=http://127.0.0.1:PORT</c> in its "listening" log line; this waits for that
/// line and then for <c>/ready</c>. Output is kept for failure messages. Dispose kills the process
/// (and deletes the data directory unless <c>keepData</c>).
/// </summary>
public sealed partial class SawmillProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly TaskCompletionSource<string> _address = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly bool _ownsDataDir;

    private SawmillProcess(Process process, string dataDir, bool ownsDataDir)
    {
        _process = process;
        DataDir = dataDir;
        _ownsDataDir = ownsDataDir;
    }

    public string DataDir { get; }
    public Uri BaseAddress { get; private set; } = null!;
    public int ProcessId => _process.Id;
    public bool HasExited => _process.HasExited;

    public string Output
    {
        get
        {
            lock (_output)
                return _output.ToString();
        }
    }

    /// <summary>Path of sawmill.dll next to the test assembly (test projects reference the executable project).</summary>
    public static string DllPath => Path.Combine(AppContext.BaseDirectory, "sawmill.dll");

    /// <summary>
    /// Starts <c>sawmill [command] -server.http-listen-address=127.0.0.1 -server.http-listen-port=0 -common.path-prefix=DIR args…</c>.
    /// Pass <paramref name="dataDir"/> to reuse a directory across restarts.
    /// </summary>
    public static async Task<SawmillProcess> StartAsync(IEnumerable<string>? args = null, string? dataDir = null,
        TimeSpan? timeout = null, IDictionary<string, string>? environment = null)
    {
        var owns = dataDir == null;
        dataDir ??= Directory.CreateTempSubdirectory("sawmill-test-").FullName;
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add(DllPath);
        psi.ArgumentList.Add("-server.http-listen-address=127.0.0.1");
        psi.ArgumentList.Add("-server.http-listen-port=0");
        psi.ArgumentList.Add("-common.path-prefix=" + dataDir);
        foreach (var a in args ?? [])
            psi.ArgumentList.Add(a);
        if (environment != null)
            foreach (var (k, v) in environment)
                psi.Environment[k] = v;
        var process = new Process { StartInfo = psi, EnableRaisingEvents = true };
        var sp = new SawmillProcess(process, dataDir, owns);
        process.OutputDataReceived += (_, e) => sp.OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => sp.OnLine(e.Data);
        process.Exited += (_, _) =>
        {
            // Exited can fire before the redirected streams are drained; the no-argument wait reads them to the end so the
            // message carries the process's last words (usually the reason it stopped).
            process.WaitForExit();
            sp._address.TrySetException(new InvalidOperationException("sawmill exited early:\n" + sp.Output));
        };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        var limit = timeout ?? TimeSpan.FromSeconds(60);
        try
        {
            var addr = await sp._address.Task.WaitAsync(limit);
            sp.BaseAddress = new Uri(addr);
            await sp.WaitReadyAsync(limit);
        }
        catch (Exception e)
        {
            await sp.DisposeAsync();
            throw new InvalidOperationException($"sawmill did not become ready: {e.Message}\n--- output ---\n{sp.Output}", e);
        }
        return sp;
    }

    public HttpClient CreateClient(string? tenant = null)
    {
        var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        if (tenant != null)
            client.DefaultRequestHeaders.Add("X-Scope-OrgID", tenant);
        return client;
    }

    private async Task WaitReadyAsync(TimeSpan limit)
    {
        using var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow + limit;
        while (true)
        {
            try
            {
                using var r = await client.GetAsync("/ready");
                if (r.IsSuccessStatusCode)
                    return;
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
                // One slow answer on a loaded machine is not a verdict: the deadline below is.
            }
            if (_process.HasExited)
            {
                _process.WaitForExit();
                throw new InvalidOperationException("sawmill exited:\n" + Output);
            }
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException("/ready did not answer 200 in time");
            await Task.Delay(50);
        }
    }

    private void OnLine(string? line)
    {
        if (line == null)
            return;
        lock (_output)
            _output.AppendLine(line);
        if (!_address.Task.IsCompleted)
        {
            var m = AddrRegex().Match(line);
            if (m.Success)
                _address.TrySetResult(m.Groups[1].Value.TrimEnd('/') + "/");
        }
    }

    /// <summary>Sends SIGKILL: no shutdown code runs (for crash-safety tests).</summary>
    public void Kill()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }
    }

    /// <summary>Sends SIGTERM and waits for a graceful exit.</summary>
    public async Task StopAsync(TimeSpan? timeout = null)
    {
        if (_process.HasExited)
            return;
        using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            await kill.WaitForExitAsync();
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(30));
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            Kill();
        }
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
        if (_ownsDataDir)
        {
            try
            {
                Directory.Delete(DataDir, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    [GeneratedRegex("addr=\"?(https?://[^\\s\"]+)")]
    private static partial Regex AddrRegex();
}
