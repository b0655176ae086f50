using System.Diagnostics;
using Sawmill.Testing;

namespace Sawmill.Tests.Commands;

/// <summary><c>sawmill check</c> as a user runs it: the real binary over a data directory, intact and damaged.</summary>
public sealed class CheckCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sawmill-check-").FullName;

    public CheckCommandTests()
    {
        // A checked-in data directory with blocks, chunks of every kind, WAL segments and a checkpoint.
        var source = RepositoryFiles.Path("tests", "Sawmill.Storage.Tests", "Golden", "v1", "zstd-wal-checkpoint", "data");
        foreach (var d in Directory.GetDirectories(source, "*", SearchOption.AllDirectories))
            Directory.CreateDirectory(Path.Combine(_dir, Path.GetRelativePath(source, d)));
        foreach (var f in Directory.GetFiles(source, "*", SearchOption.AllDirectories))
            File.Copy(f, Path.Combine(_dir, Path.GetRelativePath(source, f)));
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static async Task<(int Code, string Out)> Check(params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(SawmillProcess.DllPath);
        psi.ArgumentList.Add("check");
        foreach (var a in args)
            psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var output = p.StandardOutput.ReadToEndAsync();
        var error = p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(2));
        return (p.ExitCode, await output + await error);
    }

    [Fact]
    public async Task An_intact_directory_passes_with_a_summary()
    {
        var (code, output) = await Check("-data", _dir, "-quiet");
        Assert.True(code == 0, output);
        Assert.Contains("no damage found", output);
        Assert.Contains("3 blocks of 2 tenants", output);
    }

    [Fact]
    public async Task A_damaged_chunk_is_named_and_the_exit_status_is_1()
    {
        var chunks = Directory.GetFiles(Path.Combine(_dir, "blocks"), "chunks", SearchOption.AllDirectories).First();
        var bytes = File.ReadAllBytes(chunks);
        new Random(1).NextBytes(bytes.AsSpan(bytes.Length / 2, 512));
        File.WriteAllBytes(chunks, bytes);
        var before = Directory.GetFiles(_dir, "*", SearchOption.AllDirectories).ToDictionary(f => f, File.ReadAllBytes);
        var (code, output) = await Check("-common.path-prefix=" + _dir, "-quiet");
        Assert.True(code == 1, output);
        Assert.Contains("DAMAGED " + chunks, output);
        // Read-only: nothing was repaired, moved or truncated.
        Assert.All(before, kv => Assert.Equal(kv.Value, File.ReadAllBytes(kv.Key)));
    }

    [Fact]
    public async Task A_damaged_wal_record_is_named()
    {
        var segment = Directory.GetFiles(Path.Combine(_dir, "wal"), "*.wal").OrderBy(f => new FileInfo(f).Length).Last();
        var bytes = File.ReadAllBytes(segment);
        bytes[bytes.Length / 2] ^= 0xFF;
        File.WriteAllBytes(segment, bytes);
        var (code, output) = await Check("-data", _dir, "-quiet");
        Assert.True(code == 1, output);
        Assert.Contains(segment, output);
        Assert.Contains("checksum mismatch", output);
    }

    [Fact]
    public async Task Usage_errors_exit_2()
    {
        Assert.Equal(2, (await Check("-data", Path.Combine(_dir, "missing"))).Code);
        Assert.Equal(2, (await Check("-bogus")).Code);
    }
}
