using System.Text.RegularExpressions;
using Sawmill.Agent.Config;
using Sawmill.Core;
using Sawmill.GoCompat;

namespace Sawmill.Agent.Relabel;

/// <summary>
/// One Prometheus <c>relabel_configs</c> rule with Prometheus's defaults: separator <c>;</c>, regex <c>(.*)</c>
/// (RE2, fully anchored), replacement <c>$1</c>, action <c>replace</c>.
/// </summary>
public sealed class RelabelConfig
{
    public IReadOnlyList<string> SourceLabels { get; init; } = [];
    public string Separator { get; init; } = ";";
    public string? TargetLabel { get; init; }
    public string RegexText { get; init; } = "(.*)";
    public Regex Regex { get; init; } = Re2.Compile("(.*)", anchored: true);
    public ulong Modulus { get; init; }
    public string Replacement { get; init; } = "$1";
    public RelabelAction Action { get; init; } = RelabelAction.Replace;

    public static RelabelConfig Parse(YamlMap m)
    {
        var actionText = m.Str("action", "replace");
        var action = actionText.ToLowerInvariant() switch
        {
            "replace" => RelabelAction.Replace,
            "keep" => RelabelAction.Keep,
            "drop" => RelabelAction.Drop,
            "keepequal" => RelabelAction.KeepEqual,
            "dropequal" => RelabelAction.DropEqual,
            "hashmod" => RelabelAction.HashMod,
            "labelmap" => RelabelAction.LabelMap,
            "labeldrop" => RelabelAction.LabelDrop,
            "labelkeep" => RelabelAction.LabelKeep,
            "lowercase" => RelabelAction.Lowercase,
            "uppercase" => RelabelAction.Uppercase,
            _ => throw new ConfigException($"{m.Sub("action")}: unknown relabel action \"{actionText}\""),
        };
        var regexText = m.Str("regex", "(.*)");
        Regex regex;
        try
        {
            regex = Re2.Compile(regexText, anchored: true);
        }
        catch (ArgumentException e)
        {
            throw new ConfigException($"{m.Sub("regex")}: {e.Message}");
        }
        var config = new RelabelConfig
        {
            SourceLabels = m.Strings("source_labels"),
            Separator = m.Str("separator", ";"),
            TargetLabel = m.Str("target_label"),
            RegexText = regexText,
            Regex = regex,
            Modulus = (ulong)m.Int("modulus", 0),
            Replacement = m.Str("replacement", "$1"),
            Action = action,
        };
        // The same validation Prometheus applies when loading.
        if (action is RelabelAction.Replace or RelabelAction.HashMod or RelabelAction.Lowercase or RelabelAction.Uppercase
            or RelabelAction.KeepEqual or RelabelAction.DropEqual && string.IsNullOrEmpty(config.TargetLabel))
            throw new ConfigException($"{m.Path}: relabel configuration for {actionText} action requires 'target_label' value");
        if (action == RelabelAction.HashMod && config.Modulus == 0)
            throw new ConfigException($"{m.Path}: relabel configuration for hashmod requires non-zero modulus");
        if (action is RelabelAction.LabelDrop or RelabelAction.LabelKeep && (config.SourceLabels.Count > 0 || config.TargetLabel != null))
            throw new ConfigException($"{m.Path}: {actionText} action requires only 'regex', and no other fields");
        return config;
    }
}
