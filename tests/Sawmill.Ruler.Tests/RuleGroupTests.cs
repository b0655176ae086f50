using Microsoft.Extensions.Logging.Abstractions;
using Sawmill.LogQL.Engine;
using Sawmill.Ruler;

namespace Sawmill.Ruler.Tests;

/// <summary>A group through the engine contract with a test double: health, errors, delivery, restart.</summary>
public sealed class RuleGroupTests : IDisposable
{
    private static readonly DateTime T0 = new(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);
    private readonly string _dir = Directory.CreateTempSubdirectory("sawmill-rulegroup-").FullName;
    private readonly List<NotifierAlert> _sent = [];
    private readonly List<Sample> _recorded = [];

    private RulerRuntime Runtime() => new()
    {
        State = new AlertStateStore(_dir),
        ResendDelay = TimeSpan.FromMinutes(1),
        ExternalUrl = "http://sawmill:3100",
        ExternalLabels = new Dictionary<string, string> { ["cluster"] = "prod" },
        Notify = a => _sent.AddRange(a),
        Record = s => _recorded.AddRange(s),
    };

    /// <summary>
    /// The group with a first rule whose expression does not parse: validation rejects that on load, so it is put in
    /// after parsing to check that a rule failing at run time (as an engine error would) stays contained.
    /// </summary>
    private static RuleGroupDefinition Def()
    {
        var def = Valid();
        def.Rules![0].Expr = "nonsense";
        return def;
    }

    private static RuleGroupDefinition Valid() => RuleYaml.ParseGroup("""
        name: g
        interval: 1m
        rules:
          - alert: Broken
            expr: 'sum(count_over_time({app="broken"}[1m]))'
          - alert: DatabaseConnectionError
            expr: 'sum(count_over_time({app="churn-api"} |= "database connection"[5m])) > 0'
            for: 1m
            labels: {severity: critical}
            annotations: {description: '{{ $value }} failures'}
          - record: churn:db_errors:count5m
            expr: 'sum(count_over_time({app="churn-api"} |= "database connection"[5m]))'
        """);

    [Fact]
    public async Task A_failing_rule_is_unhealthy_and_the_others_still_run_and_deliver()
    {
        var engine = new FakeEngine();
        var fire = true;
        engine.Answers["sum(count_over_time({app=\"churn-api\"} |= \"database connection\"[5m])) > 0"] = _ => fire ? FakeEngine.Vector((3, [])) : FakeEngine.Vector();
        engine.Answers["sum(count_over_time({app=\"churn-api\"} |= \"database connection\"[5m]))"] = _ => FakeEngine.Vector((3, []));
        var g = new RuleGroup("fake", "ns", Def(), TimeSpan.FromMinutes(1), engine, Runtime(), NullLogger.Instance);

        await g.EvaluateAsync(T0, CancellationToken.None);
        Assert.Equal(RuleHealth.Err, g.Rules[0].Health);
        Assert.Contains("parse error", g.Rules[0].LastError);
        Assert.Equal(RuleHealth.Ok, g.Rules[1].Health);
        Assert.Equal(AlertState.Pending, ((AlertingRule)g.Rules[1]).State);
        Assert.Empty(_sent);
        var rec = Assert.Single(_recorded, s => s.Labels.Get("__name__") == "churn:db_errors:count5m");
        Assert.Equal(new DateTimeOffset(T0).ToUnixTimeMilliseconds(), rec.TimestampMs);
        Assert.Equal(engine.Calls[0].TimeNs, (T0 - DateTime.UnixEpoch).Ticks * 100);

        await g.EvaluateAsync(T0.AddMinutes(1), CancellationToken.None);
        var sent = Assert.Single(_sent);
        Assert.Equal("DatabaseConnectionError", sent.Labels["alertname"]);
        Assert.Equal("prod", sent.Labels["cluster"]);
        Assert.Equal("3 failures", sent.Annotations["description"]);
        Assert.Equal(T0.AddMinutes(1), sent.StartsAt);
        Assert.Equal(T0.AddMinutes(5), sent.EndsAt);
        Assert.StartsWith("http://sawmill:3100/explore?q=sum%28count_over_time", sent.GeneratorUrl);

        // Restart: a new group over the same state directory still has the firing alert with its times.
        var g2 = new RuleGroup("fake", "ns", Def(), TimeSpan.FromMinutes(1), engine, Runtime(), NullLogger.Instance);
        fire = false;
        _sent.Clear();
        await g2.EvaluateAsync(T0.AddMinutes(2), CancellationToken.None);
        var resolved = Assert.Single(_sent);
        Assert.Equal(T0.AddMinutes(1), resolved.StartsAt);
        Assert.Equal(T0.AddMinutes(2), resolved.EndsAt);
    }

    [Fact]
    public async Task A_log_query_result_is_an_error_not_a_crash()
    {
        var engine = new FakeEngine();
        engine.Answers["{app=\"x\"}"] = _ => new StreamsResult([]);
        var def = RuleYaml.ParseGroup("name: g\nrules:\n  - alert: A\n    expr: 'count_over_time({app=\"x\"}[1m])'\n");
        def.Rules![0].Expr = "{app=\"x\"}"; // validation rejects log queries; an engine answering streams must still be contained
        var g = new RuleGroup("fake", "ns", def, TimeSpan.FromMinutes(1), engine, Runtime(), NullLogger.Instance);
        await g.EvaluateAsync(T0, CancellationToken.None);
        Assert.Equal("rule result is not a vector or scalar: streams", g.Rules[0].LastError);
    }

    [Fact]
    public async Task Alert_series_are_recorded_and_end_with_stale_markers()
    {
        var engine = new FakeEngine();
        var fire = true;
        engine.Answers["sum(count_over_time({app=\"churn-api\"} |= \"database connection\"[5m])) > 0"] = _ => fire ? FakeEngine.Vector((3, [])) : FakeEngine.Vector();
        engine.Answers["sum(count_over_time({app=\"churn-api\"} |= \"database connection\"[5m]))"] = _ => FakeEngine.Vector((3, []));
        engine.Answers["sum(count_over_time({app=\"broken\"}[1m]))"] = _ => FakeEngine.Vector();
        var g = new RuleGroup("fake", "ns", Valid(), TimeSpan.FromMinutes(1), engine, Runtime(), NullLogger.Instance);

        await g.EvaluateAsync(T0, CancellationToken.None);
        Assert.Equal(["ALERTS", "ALERTS_FOR_STATE", "churn:db_errors:count5m"], _recorded.Select(s => s.Labels.Get("__name__")));
        _recorded.Clear();

        fire = false;
        await g.EvaluateAsync(T0.AddMinutes(1), CancellationToken.None);
        var stale = _recorded.Where(s => s.Labels.Get("__name__") != "churn:db_errors:count5m").ToList();
        Assert.Equal(2, stale.Count);
        Assert.All(stale, s => Assert.Equal(BitConverter.DoubleToInt64Bits(RuleGroup.StaleNaN), BitConverter.DoubleToInt64Bits(s.Value)));
        Assert.All(stale, s => Assert.Equal(new DateTimeOffset(T0.AddMinutes(1)).ToUnixTimeMilliseconds(), s.TimestampMs));
        _recorded.Clear();

        // Marked once: the next evaluation writes only the recording rule's sample.
        await g.EvaluateAsync(T0.AddMinutes(2), CancellationToken.None);
        Assert.Equal(["churn:db_errors:count5m"], _recorded.Select(s => s.Labels.Get("__name__")));
    }

    public void Dispose() => Directory.Delete(_dir, true);
}
