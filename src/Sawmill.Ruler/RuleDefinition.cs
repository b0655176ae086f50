using YamlDotNet.Serialization;

namespace Sawmill.Ruler;

/// <summary>One rule as written in a Prometheus-format rule file: exactly one of <c>alert</c> or <c>record</c>.</summary>
public sealed class RuleDefinition
{
    [YamlMember(Alias = "record", Order = 0)] public string? Record { get; set; }
    [YamlMember(Alias = "alert", Order = 1)] public string? Alert { get; set; }
    [YamlMember(Alias = "expr", Order = 2, ScalarStyle = YamlDotNet.Core.ScalarStyle.Any)] public string? Expr { get; set; }
    [YamlMember(Alias = "for", Order = 3)] public string? For { get; set; }
    [YamlMember(Alias = "keep_firing_for", Order = 4)] public string? KeepFiringFor { get; set; }
    [YamlMember(Alias = "labels", Order = 5)] public Dictionary<string, string>? Labels { get; set; }
    [YamlMember(Alias = "annotations", Order = 6)] public Dictionary<string, string>? Annotations { get; set; }

    [YamlIgnore] public string Name => Alert ?? Record ?? "";
}
