using System.Diagnostics;
using System.Text;

namespace Sawmill.Testing;

/// <summary>
/// A helper process a test starts (etcd, s3rver): output kept for failure messages, killed with its children on
/// dispose, its temporary directory removed.
/// </summary>
public abstract class ExternalProcess : IAsyncDisposable
{
    private readonly StringBuilder _output = new();
    private Process? _process;

    protected ExternalProcess(string name)
    {
        Directory = System.IO.Directory.CreateTempSubdirectory($"sawmill-{name}-").FullName;
    }

    /// <summary>The process's own temporary directory.</summary>
    public string Directory { get; }

    public string Output
    {
        get
        {
            lock (_output)
                return _output.ToString();
        }
    }

    protected Action<string>? OnLine { get; set; }

    protected void Start(string file, IEnumerable<string> args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args)
            psi.ArgumentList.Add(a);
        try
        {
            _process = Process.Start(psi)!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException($"{file} is not installed ({e.Message}); ./test.sh installs it (run it as root once)", e);
        }
        _process.OutputDataReceived += (_, e) => Line(e.Data);
        _process.ErrorDataReceived += (_, e) => Line(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    private void Line(string? line)
    {
        if (line == null)
            return;
        lock (_output)
            _output.AppendLine(line);
        OnLine?.Invoke(line);
    }

    public bool HasExited => _process?.HasExited ?? true;

    /// <summary>A free loopback TCP port (the OS picks it; the small race with other processes is accepted in tests).</summary>
    public static int FreePort()
    {
        using var l = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        l.Start();
        return ((System.Net.IPEndPoint)l.LocalEndpoint).Port;
    }

    public virtual async ValueTask DisposeAsync()
    {
        if (_process != null)
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
        }
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
        GC.SuppressFinalize(this);
    }
}

/// <summary>
/// npm's <c>s3rver</c> (an S3-compatible server) on a loopback port the OS picks, with one bucket, credentials
/// <c>S3RVER</c>/<c>S3RVER</c>. It stores <c>aws-chunked</c> bodies verbatim, so clients must upload without chunk encoding.
/// </summary>
public sealed class S3rverProcess : ExternalProcess
{
    private readonly TaskCompletionSource<int> _port = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private S3rverProcess(string bucket) : base("s3rver") => Bucket = bucket;

    public string Bucket { get; }
    public int Port { get; private set; }
    public string Endpoint => $"127.0.0.1:{Port}";
    public const string AccessKey = "S3RVER";
    public const string SecretKey = "S3RVER";

    public static async Task<S3rverProcess> StartAsync(string bucket = "sawmill")
    {
        var p = new S3rverProcess(bucket);
        p.OnLine = line =>
        {
            var i = line.IndexOf("listening on 127.0.0.1:", StringComparison.Ordinal);
            if (i >= 0 && int.TryParse(line[(i + "listening on 127.0.0.1:".Length)..].Trim(), out var port))
                p._port.TrySetResult(port);
        };
        p.Start("s3rver", ["-d", p.Directory, "-a", "127.0.0.1", "-p", "0", "--silent", "--configure-bucket", bucket]);
        try
        {
            p.Port = await p._port.Task.WaitAsync(TimeSpan.FromSeconds(60));
        }
        catch (TimeoutException)
        {
            await p.DisposeAsync();
            throw new InvalidOperationException("s3rver did not start:\n" + p.Output);
        }
        return p;
    }
}

/// <summary>Debian's <c>etcd</c> (etcd-server) as a one-member cluster on free loopback ports, data in a temporary directory.</summary>
public sealed class EtcdProcess : ExternalProcess
{
    private EtcdProcess() : base("etcd")
    {
    }

    public int ClientPort { get; private set; }
    public string Endpoint => $"127.0.0.1:{ClientPort}";

    public static async Task<EtcdProcess> StartAsync()
    {
        for (var attempt = 0; ; attempt++)
        {
            var p = new EtcdProcess();
            var client = FreePort();
            var peer = FreePort();
            p.ClientPort = client;
            p.Start("etcd",
            [
                "--name", "default", "--data-dir", Path.Combine(p.Directory, "data"),
                "--listen-client-urls", $"http://127.0.0.1:{client}", "--advertise-client-urls", $"http://127.0.0.1:{client}",
                "--listen-peer-urls", $"http://127.0.0.1:{peer}", "--initial-advertise-peer-urls", $"http://127.0.0.1:{peer}",
                "--initial-cluster", $"default=http://127.0.0.1:{peer}", "--log-level", "error",
            ]);
            if (await p.WaitReadyAsync(TimeSpan.FromSeconds(60)))
                return p;
            var output = p.Output;
            await p.DisposeAsync();
            if (attempt >= 2)
                throw new InvalidOperationException("etcd did not start:\n" + output);
        }
    }

    private async Task<bool> WaitReadyAsync(TimeSpan limit)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow + limit;
        while (DateTime.UtcNow < deadline)
        {
            if (HasExited)
                return false;
            try
            {
                using var r = await http.GetAsync($"http://127.0.0.1:{ClientPort}/health");
                if (r.IsSuccessStatusCode)
                    return true;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
            }
            await Task.Delay(100);
        }
        return false;
    }
}
