namespace Sawmill.Agent.Config;

/// <summary>One <c>static_configs</c> entry: targets (ignored for files except as <c>__address__</c>) and labels.</summary>
public sealed record TargetGroupConfig(IReadOnlyList<string> Targets, IReadOnlyDictionary<string, string> Labels);
