using Sawmill.Core;
using Sawmill.LogQL;
using Sawmill.LogQL.Engine;
using Sawmill.LogQL.Log;
using Sawmill.Ruler.Templates;
using Sawmill.GoCompat;

namespace Sawmill.Ruler;

/// <summary>
/// An alerting rule and its alerts, following Prometheus's <c>AlertingRule</c> exactly: each sample of the query
/// result is an alert (sample labels minus <c>__name__</c>, plus the rule's templated labels, plus <c>alertname</c>);
/// a new alert is pending and turns firing once it has been active for <c>for</c>; an alert missing from a result is
/// resolved (or kept firing for <c>keep_firing_for</c>), reported resolved to Alertmanager, and forgotten 15 minutes
/// later; pending alerts missing from a result are dropped. Evaluation runs on the group's thread; the API reads
/// snapshots under <see cref="_lock"/>.
/// </summary>
public sealed class AlertingRule : Rule
{
    /// <summary>How long a resolved alert is kept (and re-sent as resolved); Prometheus's <c>resolvedRetention</c>.</summary>
    public static readonly TimeSpan ResolvedRetention = TimeSpan.FromMinutes(15);

    private readonly Lock _lock = new();
    private readonly Dictionary<Labels, Alert> _active = [];
    private readonly List<(string Name, GoTemplate Template)> _labelTemplates = [];
    private readonly List<(string Name, GoTemplate Template)> _annotationTemplates = [];

    public AlertingRule(string name, string query, TimeSpan holdDuration, TimeSpan keepFiringFor,
        IReadOnlyDictionary<string, string> labels, IReadOnlyDictionary<string, string> annotations)
        : base(name, query, labels)
    {
        HoldDuration = holdDuration;
        KeepFiringFor = keepFiringFor;
        Annotations = annotations;
        foreach (var (k, v) in labels)
            _labelTemplates.Add((k, TemplateData.Parse(v)));
        foreach (var (k, v) in annotations)
            _annotationTemplates.Add((k, TemplateData.Parse(v)));
    }

    public TimeSpan HoldDuration { get; }
    public TimeSpan KeepFiringFor { get; }
    public IReadOnlyDictionary<string, string> Annotations { get; }

    /// <summary>The rule's state: the highest state of its alerts (firing over pending over inactive).</summary>
    public AlertState State
    {
        get
        {
            lock (_lock)
            {
                var s = AlertState.Inactive;
                foreach (var a in _active.Values)
                    if (a.State > s)
                        s = a.State;
                return s;
            }
        }
    }

    /// <summary>Copies of the current alerts (pending, firing, and resolved ones still retained).</summary>
    public List<Alert> Snapshot()
    {
        lock (_lock)
            return _active.Values.Select(a => a.Clone()).ToList();
    }

    /// <summary>Puts back alerts kept across a restart; only called before the first evaluation.</summary>
    public void Restore(IEnumerable<Alert> alerts)
    {
        lock (_lock)
            foreach (var a in alerts)
                _active[a.Labels] = a;
    }

    /// <summary>
    /// Applies one query result at <paramref name="ts"/> and returns the synthetic series Prometheus's rules manager
    /// appends for every pending or firing alert: <c>ALERTS{alertname, alertstate="pending"|"firing", …alert labels} 1</c>
    /// and <c>ALERTS_FOR_STATE{alertname, …alert labels}</c> = the alert's active-since time in Unix seconds, stamped
    /// <paramref name="ts"/>. Throws <see cref="RuleEvaluationException"/> for a result with duplicate label sets or
    /// more alerts than <paramref name="limit"/> (then all alerts are dropped, as Prometheus does).
    /// </summary>
    public List<Sample> Eval(DateTime ts, IReadOnlyList<Sample> samples, int limit, RuleContext context)
    {
        var series = new List<Sample>();
        var tsMs = new DateTimeOffset(ts).ToUnixTimeMilliseconds();
        var fresh = new Dictionary<Labels, Alert>();
        foreach (var s in samples)
        {
            var sampleLabels = s.Labels.ToDictionary();
            var data = new TemplateData(sampleLabels, context.ExternalLabels, context.ExternalUrl, s.Value);
            var lb = s.Labels.ToBuilder();
            lb.Delete("__name__");
            foreach (var (k, t) in _labelTemplates)
                if (Expand(t, data, context) is { Length: > 0 } lv)
                    lb.Set(k, lv);
                else
                    lb.Delete(k);
            lb.Set("alertname", Name);
            var annotations = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var (k, t) in _annotationTemplates)
                annotations[k] = Expand(t, data, context);
            var labels = lb.Build();
            if (fresh.ContainsKey(labels))
                throw new RuleEvaluationException("vector contains metrics with the same labelset after applying alert labels");
            fresh[labels] = new Alert { Labels = labels, Annotations = annotations, ActiveAt = ts, State = AlertState.Pending, Value = s.Value };
        }

        lock (_lock)
        {
            foreach (var (h, a) in fresh)
            {
                if (_active.TryGetValue(h, out var existing) && existing.State != AlertState.Inactive)
                {
                    existing.Value = a.Value;
                    existing.Annotations = a.Annotations;
                    continue;
                }
                _active[h] = a;
            }

            var activePending = 0;
            foreach (var (h, a) in _active.ToList())
            {
                if (!fresh.ContainsKey(h))
                {
                    var keepFiring = false;
                    if (a.State == AlertState.Firing && KeepFiringFor > TimeSpan.Zero)
                    {
                        if (a.KeepFiringSince == default)
                            a.KeepFiringSince = ts;
                        if (ts - a.KeepFiringSince < KeepFiringFor)
                            keepFiring = true;
                    }
                    if (a.State == AlertState.Pending || (a.ResolvedAt != default && ts - a.ResolvedAt > ResolvedRetention))
                        _active.Remove(h);
                    if (a.State != AlertState.Inactive && !keepFiring)
                    {
                        a.State = AlertState.Inactive;
                        a.ResolvedAt = ts;
                    }
                    if (!keepFiring)
                        continue;
                }
                else
                {
                    a.KeepFiringSince = default;
                }
                activePending++;
                if (a.State == AlertState.Pending && ts - a.ActiveAt >= HoldDuration)
                {
                    a.State = AlertState.Firing;
                    a.FiredAt = ts;
                }
                series.Add(new Sample(SeriesLabels(a, AlertsMetric, a.State == AlertState.Firing ? "firing" : "pending"), tsMs, 1));
                series.Add(new Sample(SeriesLabels(a, AlertsForStateMetric, null), tsMs, new DateTimeOffset(a.ActiveAt).ToUnixTimeSeconds()));
            }
            if (limit > 0 && activePending > limit)
            {
                _active.Clear();
                throw new RuleEvaluationException($"exceeded limit of {limit} with {activePending} alerts");
            }
        }
        return series;
    }

    /// <summary>Name of the series of active alerts (Prometheus's <c>alertMetricName</c>).</summary>
    public const string AlertsMetric = "ALERTS";

    /// <summary>Name of the series holding each active alert's start (Prometheus's <c>alertForStateMetricName</c>).</summary>
    public const string AlertsForStateMetric = "ALERTS_FOR_STATE";

    private Labels SeriesLabels(Alert a, string metric, string? state)
    {
        var lb = a.Labels.ToBuilder();
        lb.Set("__name__", metric);
        lb.Set("alertname", Name);
        if (state != null)
            lb.Set("alertstate", state);
        return lb.Build();
    }

    /// <summary>
    /// Alerts due for (re)sending at <paramref name="ts"/>, marked as sent: firing ones every resend delay, resolved
    /// ones right away; each valid until four intervals (or resend delays) from now so a few lost sends do not resolve it.
    /// </summary>
    public List<Alert> AlertsToSend(DateTime ts, TimeSpan resendDelay, TimeSpan interval)
    {
        var result = new List<Alert>();
        lock (_lock)
        {
            foreach (var a in _active.Values)
            {
                if (!a.NeedsSending(ts, resendDelay))
                    continue;
                a.LastSentAt = ts;
                var delta = interval > resendDelay ? interval : resendDelay;
                a.ValidUntil = ts + 4 * delta;
                result.Add(a.Clone());
            }
        }
        return result;
    }

    private string Expand(GoTemplate t, TemplateData data, RuleContext context)
    {
        try
        {
            return data.Expand(t, context.Functions);
        }
        catch (TemplateException e)
        {
            return $"<error expanding template: {e.Message}>";
        }
        catch (Exception e) when (e is System.Text.RegularExpressions.RegexMatchTimeoutException or ArgumentException or LogQLException)
        {
            return $"<error expanding template: {e.Message}>";
        }
    }
}
