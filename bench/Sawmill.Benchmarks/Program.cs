using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace Sawmill.Benchmarks;

/// <summary>
/// Runs the micro benchmarks: <c>dotnet run -c Release --project bench/Sawmill.Benchmarks -- --filter '*'</c>.
/// Benchmarks run in process: BenchmarkDotNet's generated projects would inherit this repository's central package
/// management and warnings-as-errors and fail to build. Compare results as ratios within one run (2-core machines are noisy).
/// </summary>
internal static class Program
{
    public static void Main(string[] args)
    {
        if (args is ["patterns-accuracy", ..])
        {
            Patterns.PatternAccuracy.Run(args[1..]);
            return;
        }
        if (args is ["storage-micro", ..])
        {
            Storage.StorageMicro.Run();
            return;
        }
        if (args is ["logql-micro", ..])
        {
            LogQL.PipelineMicro.Run(args[1..]);
            return;
        }
        if (args is ["logql-engine", ..])
        {
            LogQL.EngineMicro.Run(args[1..]);
            return;
        }
        if (args is ["query-figures", ..])
        {
            Storage.QueryFigures.RunAsync(args[1..]).GetAwaiter().GetResult();
            return;
        }
        if (args is ["storage-figures", "ratios", ..])
        {
            Storage.StorageFigures.Ratios();
            return;
        }
        if (args is ["storage-figures", "levels", ..])
        {
            Storage.StorageFigures.Levels();
            return;
        }
        if (args is ["storage-figures", "cold", ..])
        {
            Storage.StorageFigures.ColdAsync(args[2..]).GetAwaiter().GetResult();
            return;
        }
        if (args is ["storage-figures", "wal-replay", ..])
        {
            Storage.StorageFigures.WalReplayAsync(args[2..]).GetAwaiter().GetResult();
            return;
        }
        if (args is ["storage-figures", ..])
        {
            Storage.StorageFigures.RunAsync(args[1..]).GetAwaiter().GetResult();
            return;
        }
        if (args is ["agent-figures", ..])
        {
            Agent.AgentFigures.RunAsync(args[1..]).GetAwaiter().GetResult();
            return;
        }
        var config = DefaultConfig.Instance
            .AddJob(Job.ShortRun.WithToolchain(InProcessEmitToolchain.Instance).AsDefault())
            .WithOptions(ConfigOptions.DisableOptimizationsValidator);
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args, config);
    }
}
