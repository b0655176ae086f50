using System.Diagnostics;
using System.Security.Cryptography;

namespace Sawmill.Fuzz.Tests;

/// <summary>
/// One decoder of outside bytes under fuzzing: its seed inputs (valid data, checked in under <c>corpus/&lt;name&gt;/</c>
/// or built by code), the call, which exceptions are its documented way of rejecting bad input, and an optional
/// fix-up that repairs checksums after mutation so that the decoder behind the checksum gets exercised too.
/// </summary>
internal sealed record FuzzTarget(
    string Name,
    Func<IReadOnlyList<byte[]>> Seeds,
    Action<byte[]> Run,
    Func<Exception, bool> Expected,
    Func<byte[], byte[]>? FixUp = null,
    IReadOnlyList<byte[]>? Dictionary = null);

internal sealed record FuzzFinding(string Kind, byte[] Input, string Detail);

internal sealed record FuzzReport(string Target, long Executions, long Rejected, TimeSpan Elapsed, List<FuzzFinding> Findings);

/// <summary>
/// Runs a target: first every corpus input as it is, then mutations of the seeds and of mutants that were accepted,
/// until the budget is spent. An exception the target does not document is a finding, and so is an input that takes
/// longer than <see cref="SlowInput"/> and needs that much CPU when run again (a hang is reported by the watchdog with
/// the input that was running). In CI the budget is a few seconds per target; <c>SAWMILL_FUZZ_SECONDS</c> gives each target that many seconds for long runs,
/// and <c>SAWMILL_FUZZ_SAVE=1</c> writes findings into the target's corpus folder as regression inputs.
/// </summary>
internal static class FuzzRunner
{
    public static readonly TimeSpan SlowInput = TimeSpan.FromSeconds(2);

    public static TimeSpan Budget(double ciSeconds) =>
        TimeSpan.FromSeconds(double.TryParse(Environment.GetEnvironmentVariable("SAWMILL_FUZZ_SECONDS"), System.Globalization.CultureInfo.InvariantCulture, out var s) ? s : ciSeconds);

    public static string CorpusDirectory(string target) => Path.Combine(Sawmill.Testing.RepositoryFiles.Root, "tests", "Sawmill.Fuzz.Tests", "corpus", target);

    /// <summary>Checked-in inputs of a target (seeds and regression inputs from earlier findings).</summary>
    public static List<byte[]> Corpus(string target)
    {
        var dir = CorpusDirectory(target);
        return Directory.Exists(dir) ? Directory.GetFiles(dir).Order(StringComparer.Ordinal).Select(File.ReadAllBytes).ToList() : [];
    }

    /// <summary>The mutation seed: fixed in CI so that a run is reproducible; <c>SAWMILL_FUZZ_SEED</c> varies it for long runs.</summary>
    public static int Seed => int.TryParse(Environment.GetEnvironmentVariable("SAWMILL_FUZZ_SEED"), out var s) ? s : 1;

    public static FuzzReport Run(FuzzTarget target, TimeSpan budget, int? seed = null)
    {
        var findings = new List<FuzzFinding>();
        long executions = 0, rejected = 0;
        byte[] current = [];
        var sw = Stopwatch.StartNew();
        var done = false;
        var worker = new Thread(() =>
        {
            try
            {
                Loop();
            }
            catch (Exception e)
            {
                // A failure of the harness itself (seeds, mutator) must fail the test, not crash the test host.
                lock (findings)
                    findings.Add(new FuzzFinding("harness error", Volatile.Read(ref current), e.ToString()));
            }
        }, maxStackSize: 16 << 20) { IsBackground = true, Name = "fuzz " + target.Name };

        void Loop()
        {
            var seeds = target.Seeds().Concat(Corpus(target.Name)).ToList();
            if (seeds.Count == 0)
                throw new InvalidOperationException($"fuzz target {target.Name} has no seed inputs");
            var pool = new List<byte[]>(seeds);
            var mutator = new Mutator(seed ?? Seed, target.Dictionary ?? []);
            var queue = new Queue<byte[]>(seeds);
            while (!done)
            {
                byte[] input;
                if (queue.Count > 0)
                    input = queue.Dequeue();
                else
                {
                    if (sw.Elapsed >= budget)
                        break;
                    var parent = pool[mutator.Next(pool.Count)];
                    input = mutator.Mutate(parent, pool);
                    if (target.FixUp != null && mutator.Next(4) != 0)
                        input = target.FixUp(input);
                }
                Volatile.Write(ref current, input);
                var started = Stopwatch.GetTimestamp();
                try
                {
                    target.Run(input);
                    // Accepted mutants become parents: deeper structure is reached by mutating what still parses.
                    if (pool.Count < 2000 && mutator.Next(8) == 0)
                        pool.Add(input);
                }
                catch (Exception e) when (target.Expected(e))
                {
                    rejected++;
                }
                catch (Exception e)
                {
                    lock (findings)
                        findings.Add(new FuzzFinding("unexpected " + e.GetType().Name, input, e.ToString()));
                }
                var took = Stopwatch.GetElapsedTime(started);
                if (took > SlowInput && CpuTimeOfRerun(target, input) is var cpu && cpu > SlowInput)
                    lock (findings)
                        findings.Add(new FuzzFinding("slow input", input, $"took {took.TotalSeconds:F1} s, {cpu.TotalSeconds:F1} s of CPU when run again"));
                executions++;
                if (findings.Count >= 5)
                    break;
            }
        }
        worker.Start();
        if (!worker.Join(budget + TimeSpan.FromSeconds(30)))
        {
            done = true;
            lock (findings)
                findings.Add(new FuzzFinding("hang", Volatile.Read(ref current), $"an input ran for more than {SlowInput.TotalSeconds + 30:F0} s past the budget"));
        }
        if (findings.Count > 0 && Environment.GetEnvironmentVariable("SAWMILL_FUZZ_SAVE") == "1")
        {
            Directory.CreateDirectory(CorpusDirectory(target.Name));
            foreach (var f in findings)
                File.WriteAllBytes(Path.Combine(CorpusDirectory(target.Name), "finding-" + Convert.ToHexStringLower(SHA256.HashData(f.Input))[..16]), f.Input);
        }
        return new FuzzReport(target.Name, executions, rejected, sw.Elapsed, findings);
    }

    public static string Describe(FuzzReport r) =>
        $"{r.Target}: {r.Executions:N0} executions in {r.Elapsed.TotalSeconds:F1} s ({r.Rejected:N0} rejected with the documented error), {r.Findings.Count} findings" +
        string.Concat(r.Findings.Select(f => $"\n  {f.Kind}: input (base64) {Convert.ToBase64String(f.Input.AsSpan(0, Math.Min(f.Input.Length, 4096)))}\n  {f.Detail}"));

    /// <summary>
    /// Runs an input again and returns the processor time the process spent meanwhile. On a loaded machine an input
    /// can take seconds of wall time while the fuzzing thread waits for a core; only an input that also needs that
    /// much CPU is slow.
    /// </summary>
    private static TimeSpan CpuTimeOfRerun(FuzzTarget target, byte[] input)
    {
        using var self = Process.GetCurrentProcess();
        var before = self.TotalProcessorTime;
        try
        {
            target.Run(input);
        }
        catch (Exception)
        {
            // Its outcome was judged on the first run; only the time matters here.
        }
        self.Refresh();
        return self.TotalProcessorTime - before;
    }
}
