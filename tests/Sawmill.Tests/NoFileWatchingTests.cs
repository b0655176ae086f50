using Sawmill.Testing;

namespace Sawmill.Tests;

/// <summary>
/// The server must not watch its working directory: the default data directory (./data) lives there, and a host that
/// watches it for appsettings changes wakes a thread on every WAL write and flush (it cost ~20% of push throughput).
/// </summary>
public sealed class NoFileWatchingTests
{
    [Fact]
    public async Task The_server_holds_no_inotify_watch()
    {
        if (!OperatingSystem.IsLinux())
            return; // reads /proc/PID/fd; CI runs on Linux
        await using var server = await SawmillProcess.StartAsync();
        var watchers = Directory.GetFiles($"/proc/{server.ProcessId}/fd")
            .Select(fd => new FileInfo(fd).LinkTarget)
            .Where(target => target != null && target.Contains("inotify", StringComparison.Ordinal))
            .ToList();
        Assert.Empty(watchers);
    }
}
