using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Sawmill.Ruler;

namespace Sawmill.Ruler.Tests;

/// <summary>
/// A group's own loop on a fake clock: evaluation times, the <c>for</c> hold and missed iterations, stepped through
/// without waiting for real minutes (the end-to-end counterpart is <see cref="RulerIntegrationTests"/>).
/// </summary>
public sealed class RuleGroupScheduleTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private const string Query = "sum(count_over_time({app=\"churn-api\"} |= \"timeout\"[5m])) > 0";
    private readonly string _dir = Directory.CreateTempSubdirectory("sawmill-schedule-").FullName;
    private readonly List<NotifierAlert> _sent = [];

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private RuleGroup Group(FakeEngine engine, FakeTimeProvider clock, string tenant) => new(tenant, "ns", RuleYaml.ParseGroup($"""
        name: g
        interval: 1m
        rules:
          - alert: Timeouts
            expr: '{Query}'
            for: 2m
        """), TimeSpan.FromMinutes(1), engine, new RulerRuntime
        {
            State = new AlertStateStore(_dir),
            Clock = clock,
            Notify = a =>
            {
                lock (_sent)
                    _sent.AddRange(a);
            },
        }, NullLogger.Instance);

    private static async Task WaitForCallsAsync(FakeEngine engine, int count)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            lock (engine.Calls)
                if (engine.Calls.Count >= count)
                    return;
            Assert.True(DateTime.UtcNow < deadline, $"the group did not reach evaluation {count}");
            await Task.Delay(10);
        }
    }

    private static long Ns(DateTimeOffset t) => t.ToUnixTimeMilliseconds() * 1_000_000;

    [Fact]
    public async Task Evaluations_run_every_interval_and_the_alert_fires_after_its_hold()
    {
        var clock = new FakeTimeProvider(T0);
        var engine = new FakeEngine();
        engine.Answers[Query] = _ => FakeEngine.Vector((4, []));
        var group = Group(engine, clock, "schedule-a");
        using var stop = new CancellationTokenSource();
        var loop = group.RunAsync(stop.Token);

        // The first evaluation happens at once, the next ones each time the clock passes an interval.
        await WaitForCallsAsync(engine, 1);
        Assert.Equal(AlertState.Pending, ((AlertingRule)group.Rules[0]).State);
        for (var i = 1; i <= 2; i++)
        {
            clock.Advance(TimeSpan.FromMinutes(1));
            await WaitForCallsAsync(engine, i + 1);
        }
        lock (engine.Calls)
            Assert.Equal([Ns(T0), Ns(T0.AddMinutes(1)), Ns(T0.AddMinutes(2))], engine.Calls.Select(c => c.TimeNs));

        // for: 2m -> firing at the third evaluation; as in Prometheus the notification starts when the alert fired.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            lock (_sent)
                if (_sent.Count > 0)
                    break;
            Assert.True(DateTime.UtcNow < deadline, "no alert was sent");
            await Task.Delay(10);
        }
        var sent = Assert.Single(_sent);
        Assert.Equal("Timeouts", sent.Labels["alertname"]);
        Assert.Equal(T0.AddMinutes(2).UtcDateTime, sent.StartsAt);
        Assert.Equal(AlertState.Firing, ((AlertingRule)group.Rules[0]).State);

        await stop.CancelAsync();
        await loop;
    }

    [Fact]
    public async Task An_evaluation_that_overruns_skips_the_iterations_it_missed()
    {
        var clock = new FakeTimeProvider(T0);
        var engine = new FakeEngine();
        // The second evaluation takes 3.5 intervals of (fake) time: the iterations due meanwhile are skipped, not queued.
        engine.Answers[Query] = ns =>
        {
            if (ns == Ns(T0.AddMinutes(1)))
                clock.Advance(TimeSpan.FromMinutes(3.5));
            return FakeEngine.Vector();
        };
        var group = Group(engine, clock, "schedule-b");
        var missedBefore = RulerMetrics.GroupIterationsMissed.WithLabels("schedule-b", group.Key).Value;
        using var stop = new CancellationTokenSource();
        var loop = group.RunAsync(stop.Token);

        await WaitForCallsAsync(engine, 1);
        clock.Advance(TimeSpan.FromMinutes(1));
        await WaitForCallsAsync(engine, 2);
        // The clock is now at T0+4.5m: the evaluations due at 2m, 3m and 4m were missed; the next runs at 5m.
        clock.Advance(TimeSpan.FromMinutes(0.5));
        await WaitForCallsAsync(engine, 3);
        lock (engine.Calls)
            Assert.Equal([Ns(T0), Ns(T0.AddMinutes(1)), Ns(T0.AddMinutes(5))], engine.Calls.Select(c => c.TimeNs));
        Assert.Equal(3, RulerMetrics.GroupIterationsMissed.WithLabels("schedule-b", group.Key).Value - missedBefore);

        await stop.CancelAsync();
        await loop;
    }
}
