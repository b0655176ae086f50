using YamlDotNet.Serialization;

namespace Sawmill.Ruler;

/// <summary>A whole rule file: <c>groups: [...]</c>.</summary>
public sealed class RuleFileDefinition
{
    [YamlMember(Alias = "groups")] public List<RuleGroupDefinition>? Groups { get; set; }
}
