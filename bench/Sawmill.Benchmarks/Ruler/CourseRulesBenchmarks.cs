using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Logging.Abstractions;
using Sawmill.Core;
using Sawmill.LogQL.Engine;
using Sawmill.Ruler;
using Sawmill.Storage;

namespace Sawmill.Benchmarks.Ruler;

/// <summary>
/// What the ruler spends per evaluation of the course's four rules (the "Log-Based Alerts" file, verbatim) over five
/// minutes of churn-API traffic held in the store's in-memory head (<see cref="ChurnApiTraffic"/>): each rule alone
/// (instant query + alert state + templates), and the whole group as the ruler runs it (plus ALERTS series and
/// state saving). Rules/s = 4 / the group's mean. Run:
/// <c>dotnet run -c Release --project bench/Sawmill.Benchmarks -- --filter '*CourseRules*'</c>.
/// </summary>
[MemoryDiagnoser]
public class CourseRulesBenchmarks
{
    private string _dir = "";
    private LogStore _store = null!;
    private RuleGroup _group = null!;
    private DateTime _ts;

    [Params("HighErrorRate", "DatabaseConnectionError", "LowConfidencePredictions", "MissingFeatures", "group")]
    public string Rule { get; set; } = "group";

    [GlobalSetup]
    public void Setup()
    {
        _dir = Directory.CreateTempSubdirectory("sawmill-bench-ruler-").FullName;
        _store = LogStore.OpenAsync(new LogStoreOptions { Directory = Path.Combine(_dir, "data"), BackgroundFlush = false, SyncMode = WalSyncMode.Os }, NullLogger.Instance).GetAwaiter().GetResult();
        _ts = new DateTime(2026, 11, 27, 1, 0, 0, DateTimeKind.Utc);
        var streams = ChurnApiTraffic.Generate(TimeNs.FromDateTime(_ts));
        _store.PushAsync("fake", streams, CancellationToken.None).AsTask().GetAwaiter().GetResult();
        var def = RuleYaml.ParseFile(Sawmill.Testing.RepositoryFiles.CourseAlertRules, "course")[0];
        if (Rule != "group")
            def.Rules = def.Rules!.Where(r => r.Alert == Rule).ToList();
        var runtime = new RulerRuntime { State = new AlertStateStore(Path.Combine(_dir, "state")) };
        _group = new RuleGroup("fake", "course", def, TimeSpan.FromMinutes(1), new LogQLEngine(_store), runtime, NullLogger.Instance);
        // Every rule must evaluate cleanly and find its alert, or the figure would measure an error path.
        _group.EvaluateAsync(_ts, CancellationToken.None).GetAwaiter().GetResult();
        foreach (var r in _group.Rules.Cast<AlertingRule>())
            if (r.Health != RuleHealth.Ok || r.State != AlertState.Pending)
                throw new InvalidOperationException($"{r.Name}: health {r.Health} state {r.State} {r.LastError}");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _store.DisposeAsync().AsTask().GetAwaiter().GetResult();
        Directory.Delete(_dir, true);
    }

    /// <summary>One evaluation at the same instant (the alerts stay pending; the query work is what is measured).</summary>
    [Benchmark]
    public Task Evaluate() => _group.EvaluateAsync(_ts, CancellationToken.None);
}
