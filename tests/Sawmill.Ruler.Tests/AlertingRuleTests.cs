using Sawmill.Core;
using Sawmill.LogQL.Engine;
using Sawmill.Ruler;

namespace Sawmill.Ruler.Tests;

/// <summary>The state machine, step by step, with the timings Prometheus documents.</summary>
public sealed class AlertingRuleTests
{
    private static readonly DateTime T0 = new(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    private static AlertingRule Rule(TimeSpan hold, TimeSpan keepFiring = default) => new("HighErrorRate", "sum(rate({app=\"churn-api\"}[5m])) > 10",
        hold, keepFiring, new Dictionary<string, string> { ["severity"] = "warning" },
        new Dictionary<string, string> { ["description"] = "{{ $value }} errors/sec in {{ $labels.app }}" });

    private static List<Sample> One(double v, string app = "churn-api") => [new Sample(Labels.From(("app", app)), 0, v)];

    [Fact]
    public void Alert_is_pending_until_for_has_passed_then_firing()
    {
        var r = Rule(TimeSpan.FromMinutes(2));
        r.Eval(T0, One(12), 0, RuleContext.Default);
        var a = Assert.Single(r.Snapshot());
        Assert.Equal(AlertState.Pending, a.State);
        Assert.Equal(T0, a.ActiveAt);
        Assert.Equal("{alertname=\"HighErrorRate\", app=\"churn-api\", severity=\"warning\"}", a.Labels.ToString());
        Assert.Equal("12 errors/sec in churn-api", a.Annotations["description"]);
        Assert.Empty(r.AlertsToSend(T0, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1)));

        r.Eval(T0.AddMinutes(1), One(13), 0, RuleContext.Default);
        Assert.Equal(AlertState.Pending, r.Snapshot()[0].State);
        Assert.Equal("13 errors/sec in churn-api", r.Snapshot()[0].Annotations["description"]);

        r.Eval(T0.AddMinutes(2), One(14), 0, RuleContext.Default);
        a = r.Snapshot()[0];
        Assert.Equal(AlertState.Firing, a.State);
        Assert.Equal(T0, a.ActiveAt);
        Assert.Equal(T0.AddMinutes(2), a.FiredAt);
        Assert.Equal(AlertState.Firing, r.State);
    }

    [Fact]
    public void Zero_for_fires_on_first_evaluation()
    {
        var r = Rule(TimeSpan.Zero);
        r.Eval(T0, One(1), 0, RuleContext.Default);
        Assert.Equal(AlertState.Firing, r.Snapshot()[0].State);
    }

    [Fact]
    public void Pending_alert_that_disappears_is_dropped_without_notification()
    {
        var r = Rule(TimeSpan.FromMinutes(5));
        r.Eval(T0, One(12), 0, RuleContext.Default);
        r.Eval(T0.AddMinutes(1), [], 0, RuleContext.Default);
        Assert.Empty(r.Snapshot());
        Assert.Empty(r.AlertsToSend(T0.AddMinutes(1), TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1)));
    }

    [Fact]
    public void Firing_alert_resolves_is_sent_resolved_and_forgotten_after_15_minutes()
    {
        var r = Rule(TimeSpan.Zero);
        var resend = TimeSpan.FromMinutes(1);
        var interval = TimeSpan.FromMinutes(1);
        r.Eval(T0, One(12), 0, RuleContext.Default);
        var sent = Assert.Single(r.AlertsToSend(T0, resend, interval));
        Assert.Equal(T0.AddMinutes(4), sent.ValidUntil);

        // Not re-sent before the resend delay; re-sent after it.
        r.Eval(T0.AddSeconds(30), One(12), 0, RuleContext.Default);
        Assert.Empty(r.AlertsToSend(T0.AddSeconds(30), resend, interval));
        r.Eval(T0.AddMinutes(1), One(12), 0, RuleContext.Default);
        Assert.Single(r.AlertsToSend(T0.AddMinutes(1), resend, interval));

        var resolvedAt = T0.AddMinutes(1).AddSeconds(10);
        r.Eval(resolvedAt, [], 0, RuleContext.Default);
        var resolved = Assert.Single(r.AlertsToSend(resolvedAt, resend, interval));
        Assert.Equal(AlertState.Inactive, resolved.State);
        Assert.Equal(resolvedAt, resolved.ResolvedAt);
        Assert.Equal(AlertState.Inactive, r.State);

        r.Eval(resolvedAt.AddMinutes(15), [], 0, RuleContext.Default);
        Assert.Single(r.Snapshot());
        r.Eval(resolvedAt.AddMinutes(16), [], 0, RuleContext.Default);
        Assert.Empty(r.Snapshot());
    }

    [Fact]
    public void Resolved_alert_that_comes_back_starts_pending_again()
    {
        var r = Rule(TimeSpan.FromMinutes(1));
        r.Eval(T0, One(12), 0, RuleContext.Default);
        r.Eval(T0.AddMinutes(1), One(12), 0, RuleContext.Default);
        r.Eval(T0.AddMinutes(2), [], 0, RuleContext.Default);
        r.Eval(T0.AddMinutes(3), One(12), 0, RuleContext.Default);
        var a = Assert.Single(r.Snapshot());
        Assert.Equal(AlertState.Pending, a.State);
        Assert.Equal(T0.AddMinutes(3), a.ActiveAt);
    }

    [Fact]
    public void Keep_firing_for_holds_a_firing_alert_after_the_condition_clears()
    {
        var r = Rule(TimeSpan.Zero, TimeSpan.FromMinutes(2));
        r.Eval(T0, One(12), 0, RuleContext.Default);
        r.Eval(T0.AddMinutes(1), [], 0, RuleContext.Default);
        var a = r.Snapshot()[0];
        Assert.Equal(AlertState.Firing, a.State);
        Assert.Equal(T0.AddMinutes(1), a.KeepFiringSince);
        r.Eval(T0.AddMinutes(2), [], 0, RuleContext.Default);
        Assert.Equal(AlertState.Firing, r.Snapshot()[0].State);
        r.Eval(T0.AddMinutes(3), [], 0, RuleContext.Default);
        Assert.Equal(AlertState.Inactive, r.Snapshot()[0].State);
        Assert.Equal(T0.AddMinutes(3), r.Snapshot()[0].ResolvedAt);
    }

    [Fact]
    public void Keep_firing_since_resets_when_the_condition_returns()
    {
        var r = Rule(TimeSpan.Zero, TimeSpan.FromMinutes(2));
        r.Eval(T0, One(12), 0, RuleContext.Default);
        r.Eval(T0.AddMinutes(1), [], 0, RuleContext.Default);
        r.Eval(T0.AddMinutes(2), One(12), 0, RuleContext.Default);
        Assert.Equal(default, r.Snapshot()[0].KeepFiringSince);
    }

    [Fact]
    public void Limit_drops_all_alerts_and_reports_an_error()
    {
        var r = Rule(TimeSpan.Zero);
        var samples = One(1, "a").Concat(One(2, "b")).Concat(One(3, "c")).ToList();
        var e = Assert.Throws<RuleEvaluationException>(() => r.Eval(T0, samples, 2, RuleContext.Default));
        Assert.Equal("exceeded limit of 2 with 3 alerts", e.Message);
        Assert.Empty(r.Snapshot());
    }

    [Fact]
    public void Same_labelset_after_templating_is_an_error()
    {
        var r = new AlertingRule("X", "q", TimeSpan.Zero, TimeSpan.Zero, new Dictionary<string, string> { ["app"] = "fixed" }, new Dictionary<string, string>());
        var e = Assert.Throws<RuleEvaluationException>(() => r.Eval(T0, One(1, "a").Concat(One(2, "b")).ToList(), 0, RuleContext.Default));
        Assert.Equal("vector contains metrics with the same labelset after applying alert labels", e.Message);
    }

    [Fact]
    public void Label_templates_use_the_sample_and_name_label_is_removed()
    {
        var r = new AlertingRule("MissingFeatures", "q", TimeSpan.Zero, TimeSpan.Zero,
            new Dictionary<string, string> { ["what"] = "{{ $labels.feature }}-{{ $value }}" }, new Dictionary<string, string>());
        r.Eval(T0, [new Sample(Labels.From(("__name__", "x"), ("feature", "age")), 0, 2)], 0, RuleContext.Default);
        Assert.Equal("{alertname=\"MissingFeatures\", feature=\"age\", what=\"age-2\"}", r.Snapshot()[0].Labels.ToString());
    }

    [Fact]
    public void Template_errors_are_shown_in_place()
    {
        var r = new AlertingRule("X", "q", TimeSpan.Zero, TimeSpan.Zero, new Dictionary<string, string>(),
            new Dictionary<string, string> { ["summary"] = "{{ first 1 }}" });
        r.Eval(T0, One(1), 0, RuleContext.Default);
        Assert.StartsWith("<error expanding template: ", r.Snapshot()[0].Annotations["summary"]);
    }

    [Fact]
    public void Recording_rule_names_series_and_applies_labels()
    {
        var r = new RecordingRule("app:errors:rate5m", "q", new Dictionary<string, string> { ["team"] = "ml" });
        var out1 = r.Eval(1000, One(0.5), 0);
        var s = Assert.Single(out1);
        Assert.Equal("{__name__=\"app:errors:rate5m\", app=\"churn-api\", team=\"ml\"}", s.Labels.ToString());
        Assert.Equal(1000, s.TimestampMs);
        Assert.Equal(0.5, s.Value);
        Assert.Equal("exceeded limit of 1 with 2 series", Assert.Throws<RuleEvaluationException>(() => r.Eval(1000, One(1, "a").Concat(One(2, "b")).ToList(), 1)).Message);
    }

    [Fact]
    public void Eval_returns_ALERTS_and_ALERTS_FOR_STATE_for_pending_and_firing_alerts()
    {
        var r = Rule(TimeSpan.FromMinutes(1), keepFiring: TimeSpan.FromMinutes(1));
        var ms = new DateTimeOffset(T0).ToUnixTimeMilliseconds();
        var pending = r.Eval(T0, One(12), 0, RuleContext.Default);
        Assert.Equal(
            [
                $"{{__name__=\"ALERTS\", alertname=\"HighErrorRate\", alertstate=\"pending\", app=\"churn-api\", severity=\"warning\"}} 1 @{ms}",
                $"{{__name__=\"ALERTS_FOR_STATE\", alertname=\"HighErrorRate\", app=\"churn-api\", severity=\"warning\"}} {ms / 1000} @{ms}",
            ],
            pending.Select(s => $"{s.Labels} {s.Value} @{s.TimestampMs}"));

        var firing = r.Eval(T0.AddMinutes(1), One(13), 0, RuleContext.Default);
        Assert.Equal("firing", firing[0].Labels.Get("alertstate"));
        Assert.Equal(ms / 1000, firing[1].Value); // still the time it became active

        // Kept firing (keep_firing_for) while the condition is gone: still written; resolved: nothing.
        var kept = r.Eval(T0.AddMinutes(2), [], 0, RuleContext.Default);
        Assert.Equal(2, kept.Count);
        Assert.Empty(r.Eval(T0.AddMinutes(4), [], 0, RuleContext.Default));
    }
}
