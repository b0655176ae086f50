using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Sawmill.Core;
using Sawmill.LogQL;
using Sawmill.LogQL.Engine;

namespace Sawmill.Ruler;

/// <summary>
/// One tenant's rule group running on its own loop: every <see cref="Interval"/> it evaluates its rules in order as
/// instant queries at one timestamp, updates alert state, hands due alerts to the notifier and recording samples to
/// remote write, and saves alert state. A failing rule marks only itself unhealthy; an exception never ends the loop.
/// Iterations that could not start on time (the previous one ran long) are counted as missed, as Prometheus does.
/// </summary>
public sealed class RuleGroup
{
    private readonly IQueryEngine _engine;
    private readonly RulerRuntime _runtime;
    private readonly ILogger _logger;
    private readonly RuleContext _context;
    private bool _restored;

    /// <summary>Series each rule wrote at the previous evaluation; those missing now get a stale marker.</summary>
    private readonly Dictionary<Rule, HashSet<Labels>> _previousSeries = [];

    /// <summary>Prometheus's stale marker: a NaN with this exact bit pattern ends a series at a timestamp.</summary>
    public static readonly double StaleNaN = BitConverter.Int64BitsToDouble(0x7ff0000000000002);

    public RuleGroup(string tenant, string ns, RuleGroupDefinition def, TimeSpan defaultInterval, IQueryEngine engine, RulerRuntime runtime, ILogger logger)
    {
        Tenant = tenant;
        Namespace = ns;
        Definition = def;
        Name = def.Name!;
        Interval = def.Interval != null ? RuleYaml.ParseDuration(def.Interval, "interval") : defaultInterval;
        if (Interval <= TimeSpan.Zero)
            Interval = defaultInterval;
        Limit = def.Limit ?? 0;
        _engine = engine;
        _runtime = runtime;
        _logger = logger;
        var functions = new Templates.TemplateFunctions(RunTemplateQuery, runtime.ExternalUrl);
        _context = new RuleContext { ExternalLabels = runtime.ExternalLabels, ExternalUrl = runtime.ExternalUrl, Functions = functions };
        foreach (var r in def.Rules!)
        {
            var labels = (IReadOnlyDictionary<string, string>?)r.Labels ?? new Dictionary<string, string>();
            if (r.Alert != null)
            {
                Rules.Add(new AlertingRule(r.Alert, r.Expr!.Trim(),
                    r.For != null ? RuleYaml.ParseDuration(r.For, "for") : TimeSpan.Zero,
                    r.KeepFiringFor != null ? RuleYaml.ParseDuration(r.KeepFiringFor, "keep_firing_for") : TimeSpan.Zero,
                    labels, (IReadOnlyDictionary<string, string>?)r.Annotations ?? new Dictionary<string, string>()));
            }
            else
            {
                Rules.Add(new RecordingRule(r.Record!, r.Expr!.Trim(), labels));
            }
        }
    }

    public string Tenant { get; }
    public string Namespace { get; }
    public string Name { get; }
    public RuleGroupDefinition Definition { get; }
    public TimeSpan Interval { get; }
    public int Limit { get; }
    public List<Rule> Rules { get; } = [];
    public DateTime LastEvaluation { get; private set; }
    public TimeSpan EvaluationTime { get; private set; }

    /// <summary>The file the group came from, as the Prometheus rules API reports it.</summary>
    public string File => Namespace;

    /// <summary>Runs until <paramref name="stop"/>; the first evaluation happens at once.</summary>
    public async Task RunAsync(CancellationToken stop)
    {
        RulerMetrics.GroupRules.WithLabels(Tenant, Key).Set(Rules.Count);
        var clock = _runtime.Clock;
        var next = clock.GetUtcNow().UtcDateTime;
        while (!stop.IsCancellationRequested)
        {
            var now = clock.GetUtcNow().UtcDateTime;
            if (now < next)
            {
                try
                {
                    await Task.Delay(next - now, clock, stop);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
            var ts = TruncateToMs(next);
            RulerMetrics.GroupIterations.WithLabels(Tenant, Key).Inc();
            try
            {
                await EvaluateAsync(ts, stop);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                // Belt and braces: a bug in one group must not stop it (or others) for good.
                _logger.LogError(e, "rule group evaluation crashed user={Tenant} group={Group}", Tenant, Key);
            }
            next += Interval;
            var late = clock.GetUtcNow().UtcDateTime - next;
            if (late > TimeSpan.Zero)
            {
                var missed = (long)(late / Interval) + 1;
                RulerMetrics.GroupIterationsMissed.WithLabels(Tenant, Key).Inc(missed);
                RulerMetrics.GroupIterations.WithLabels(Tenant, Key).Inc(missed);
                _logger.LogWarning("rule group evaluation took longer than its interval; skipping iterations user={Tenant} group={Group} missed={Missed}", Tenant, Key, missed);
                next += missed * Interval;
            }
        }
    }

    /// <summary>Label value used in metrics: <c>namespace;group</c> like Prometheus's <c>file;group</c>.</summary>
    public string Key => Namespace + ";" + Name;

    private static DateTime TruncateToMs(DateTime t) => new(t.Ticks - t.Ticks % TimeSpan.TicksPerMillisecond, DateTimeKind.Utc);

    /// <summary>One evaluation of every rule at <paramref name="ts"/> (public for tests).</summary>
    public async Task EvaluateAsync(DateTime ts, CancellationToken cancellationToken)
    {
        if (!_restored)
        {
            Restore();
            _restored = true;
        }
        var started = Stopwatch.GetTimestamp();
        var recorded = new List<Sample>();
        foreach (var rule in Rules)
        {
            var ruleStarted = Stopwatch.GetTimestamp();
            string? error = null;
            List<Sample>? written = null;
            RulerMetrics.Evaluations.WithLabels(Tenant, Key).Inc();
            try
            {
                var samples = await QueryAsync(rule.Query, ts, cancellationToken);
                written = rule switch
                {
                    // Pending/firing alerts as ALERTS and ALERTS_FOR_STATE series, as Prometheus's rules manager appends them.
                    AlertingRule a => a.Eval(ts, samples, Limit, _context),
                    RecordingRule r => r.Eval(new DateTimeOffset(ts).ToUnixTimeMilliseconds(), samples, Limit),
                    _ => null,
                };
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                throw;
            }
            catch (Exception e) when (e is LogQLException or RuleEvaluationException or OperationCanceledException or TimeoutException or InvalidOperationException or NotSupportedException or IOException)
            {
                error = e is OperationCanceledException ? "query timed out" : e.Message;
                RulerMetrics.EvaluationFailures.WithLabels(Tenant, Key).Inc();
                _logger.LogWarning("rule evaluation failed user={Tenant} group={Group} rule={Rule} err={Error}", Tenant, Key, rule.Name, error);
            }
            var took = Stopwatch.GetElapsedTime(ruleStarted);
            RulerMetrics.EvaluationDuration.Observe(took.TotalSeconds);
            rule.SetEvaluation(ts, took, error);
            AddWithStaleMarkers(rule, written, new DateTimeOffset(ts).ToUnixTimeMilliseconds(), recorded);
            if (rule is AlertingRule ar)
                SendAlerts(ar, ts);
        }
        if (recorded.Count > 0)
            _runtime.Record(recorded);
        EvaluationTime = Stopwatch.GetElapsedTime(started);
        LastEvaluation = ts;
        RulerMetrics.GroupLastDuration.WithLabels(Tenant, Key).Set(EvaluationTime.TotalSeconds);
        RulerMetrics.GroupLastEvaluation.WithLabels(Tenant, Key).Set(new DateTimeOffset(ts).ToUnixTimeMilliseconds() / 1000.0);
        SaveState();
    }

    /// <summary>
    /// Adds a rule's samples to <paramref name="output"/>, plus a stale marker for each series it wrote last time but
    /// not now (a failed evaluation writes nothing, so all its previous series go stale), as Prometheus's group does;
    /// Prometheus then stops returning e.g. <c>ALERTS</c> for a resolved alert at once instead of 5 minutes later.
    /// </summary>
    private void AddWithStaleMarkers(Rule rule, List<Sample>? samples, long tsMs, List<Sample> output)
    {
        var now = new HashSet<Labels>();
        if (samples != null)
            foreach (var s in samples)
            {
                output.Add(s);
                now.Add(s.Labels);
            }
        if (_previousSeries.TryGetValue(rule, out var previous))
            foreach (var l in previous)
                if (!now.Contains(l))
                    output.Add(new Sample(l, tsMs, StaleNaN));
        _previousSeries[rule] = now;
    }

    private void SendAlerts(AlertingRule rule, DateTime ts)
    {
        var due = rule.AlertsToSend(ts, _runtime.ResendDelay, Interval);
        if (due.Count == 0)
            return;
        var generator = _runtime.ExternalUrl + "/explore?" + "q=" + Uri.EscapeDataString(rule.Query) + "&from=now-1h&to=now";
        var list = new List<NotifierAlert>(due.Count);
        foreach (var a in due)
        {
            var labels = a.Labels.ToDictionary();
            foreach (var (k, v) in _runtime.ExternalLabels)
                labels.TryAdd(k, v);
            list.Add(new NotifierAlert(labels, a.Annotations, a.FiredAt, a.ResolvedAt != default ? a.ResolvedAt : a.ValidUntil, generator));
        }
        _runtime.Notify(list);
    }

    private async Task<IReadOnlyList<Sample>> QueryAsync(string query, DateTime ts, CancellationToken cancellationToken)
    {
        var ns = (ts - DateTime.UnixEpoch).Ticks * 100;
        var p = new QueryParams { Query = query, StartNs = ns, EndNs = ns, Instant = true, Limit = 100, Direction = Direction.Backward };
        var result = await _engine.ExecuteAsync(Tenant, p, _runtime.Limits(Tenant), cancellationToken);
        return result switch
        {
            VectorResult v => v.Samples,
            ScalarResult s => [new Sample(Labels.Empty, s.TimestampMs, s.Value)],
            _ => throw new RuleEvaluationException("rule result is not a vector or scalar: " + result.ResultType),
        };
    }

    private IReadOnlyList<Templates.TemplateSample> RunTemplateQuery(string query)
    {
        var samples = QueryAsync(query, LastEvaluation == default ? _runtime.Clock.GetUtcNow().UtcDateTime : LastEvaluation, CancellationToken.None).GetAwaiter().GetResult();
        return samples.Select(s => new Templates.TemplateSample(s.Labels.ToDictionary(), s.Value)).ToList();
    }

    private void Restore()
    {
        var saved = _runtime.State.Load(Tenant, Namespace, Name);
        foreach (var r in Rules)
            if (r is AlertingRule a && saved.TryGetValue(a.Name, out var alerts))
                a.Restore(alerts);
    }

    private void SaveState()
    {
        try
        {
            _runtime.State.Save(Tenant, Namespace, Name, Rules.OfType<AlertingRule>().Select(a => (a.Name, a.Snapshot())));
        }
        catch (IOException e)
        {
            _logger.LogWarning("cannot save alert state user={Tenant} group={Group} err={Error}", Tenant, Key, e.Message);
        }
    }
}
