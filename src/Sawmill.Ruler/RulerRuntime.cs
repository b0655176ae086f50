using Sawmill.LogQL.Engine;

namespace Sawmill.Ruler;

/// <summary>What every group shares: delivery (notifier, remote write), alert state storage, limits and settings.</summary>
public sealed class RulerRuntime
{
    public required AlertStateStore State { get; init; }
    public TimeSpan ResendDelay { get; init; } = TimeSpan.FromMinutes(1);
    public string ExternalUrl { get; init; } = "";
    public IReadOnlyDictionary<string, string> ExternalLabels { get; init; } = new Dictionary<string, string>();
    public Func<string, QueryLimits> Limits { get; init; } = _ => QueryLimits.Default;
    public Action<IReadOnlyList<NotifierAlert>> Notify { get; init; } = _ => { };
    public Action<IReadOnlyList<Sample>> Record { get; init; } = _ => { };

    /// <summary>The clock groups schedule their evaluations by; tests substitute a fake one to step through time.</summary>
    public TimeProvider Clock { get; init; } = TimeProvider.System;
}
