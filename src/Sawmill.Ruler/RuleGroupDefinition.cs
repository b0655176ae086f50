using YamlDotNet.Serialization;

namespace Sawmill.Ruler;

/// <summary>A rule group as written in a rule file (Prometheus's format; Loki accepts the same).</summary>
public sealed class RuleGroupDefinition
{
    [YamlMember(Alias = "name", Order = 0)] public string? Name { get; set; }
    [YamlMember(Alias = "interval", Order = 1)] public string? Interval { get; set; }
    [YamlMember(Alias = "limit", Order = 2)] public int? Limit { get; set; }
    [YamlMember(Alias = "rules", Order = 3)] public List<RuleDefinition>? Rules { get; set; }
}
