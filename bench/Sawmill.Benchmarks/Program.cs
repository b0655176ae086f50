using BenchmarkDotNet.Running;

namespace Sawmill.Benchmarks;

/// <summary>Runs the micro benchmarks: <c>dotnet run -c Release --project bench/Sawmill.Benchmarks -- --filter '*'</c>.</summary>
internal static class Program
{
    public static void Main(string[] args) => BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
}
