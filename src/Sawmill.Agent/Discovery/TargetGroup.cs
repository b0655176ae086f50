namespace Sawmill.Agent.Discovery;

/// <summary>Labels of one discovered target before relabelling (including <c>__path__</c> and <c>__meta_*</c>).</summary>
public sealed record TargetGroup(string Source, IReadOnlyDictionary<string, string> Labels);
