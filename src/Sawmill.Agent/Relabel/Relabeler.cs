using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Sawmill.Core;
using Sawmill.GoCompat;

namespace Sawmill.Agent.Relabel;

/// <summary>Applies relabel rules to a label set with Prometheus's semantics. Stateless; thread-safe.</summary>
public static class Relabeler
{
    /// <summary>
    /// Applies <paramref name="rules"/> in order to <paramref name="labels"/> (edited in place). Returns false when
    /// a keep/drop rule dropped the target. Labels set to an empty value are removed, as in Prometheus.
    /// </summary>
    public static bool Apply(IReadOnlyList<RelabelConfig> rules, Dictionary<string, string> labels)
    {
        foreach (var rule in rules)
            if (!ApplyOne(rule, labels))
                return false;
        return true;
    }

    private static bool ApplyOne(RelabelConfig rule, Dictionary<string, string> labels)
    {
        var value = Join(rule, labels);
        switch (rule.Action)
        {
            case RelabelAction.Keep:
                return rule.Regex.IsMatch(value);
            case RelabelAction.Drop:
                return !rule.Regex.IsMatch(value);
            case RelabelAction.KeepEqual:
                return labels.TryGetValue(rule.TargetLabel!, out var k) && k == value;
            case RelabelAction.DropEqual:
                return !(labels.TryGetValue(rule.TargetLabel!, out var d) && d == value);
            case RelabelAction.Replace:
            {
                var m = rule.Regex.Match(value);
                if (!m.Success)
                    return true;
                var target = GoRegexpExpand.Expand(rule.TargetLabel!, m);
                if (!IsValidLabelName(target))
                    return true;
                var result = GoRegexpExpand.Expand(rule.Replacement, m);
                if (result.Length == 0)
                    labels.Remove(target);
                else
                    labels[target] = result;
                return true;
            }
            case RelabelAction.Lowercase:
                Set(labels, rule.TargetLabel!, value.ToLowerInvariant());
                return true;
            case RelabelAction.Uppercase:
                Set(labels, rule.TargetLabel!, value.ToUpperInvariant());
                return true;
            case RelabelAction.HashMod:
            {
                // Prometheus: the low 8 bytes of the MD5 sum, big-endian, modulo the modulus.
                Span<byte> hash = stackalloc byte[16];
                MD5.HashData(Encoding.UTF8.GetBytes(value), hash);
                var sum = BinaryPrimitives.ReadUInt64BigEndian(hash[8..]);
                Set(labels, rule.TargetLabel!, (sum % rule.Modulus).ToString(System.Globalization.CultureInfo.InvariantCulture));
                return true;
            }
            case RelabelAction.LabelMap:
            {
                var additions = new List<(string, string)>();
                foreach (var (name, v) in labels)
                {
                    var m = rule.Regex.Match(name);
                    if (m.Success)
                        additions.Add((GoRegexpExpand.Expand(rule.Replacement, m), v));
                }
                foreach (var (name, v) in additions)
                    Set(labels, name, v);
                return true;
            }
            case RelabelAction.LabelDrop:
            case RelabelAction.LabelKeep:
            {
                var remove = new List<string>();
                foreach (var name in labels.Keys)
                    if (rule.Regex.IsMatch(name) == (rule.Action == RelabelAction.LabelDrop))
                        remove.Add(name);
                foreach (var name in remove)
                    labels.Remove(name);
                return true;
            }
            default:
                throw new InvalidOperationException($"unknown relabel action {rule.Action}");
        }
    }

    private static void Set(Dictionary<string, string> labels, string name, string value)
    {
        if (value.Length == 0)
            labels.Remove(name);
        else
            labels[name] = value;
    }

    private static string Join(RelabelConfig rule, Dictionary<string, string> labels)
    {
        if (rule.SourceLabels.Count == 0)
            return "";
        if (rule.SourceLabels.Count == 1)
            return labels.GetValueOrDefault(rule.SourceLabels[0]) ?? "";
        var sb = new StringBuilder();
        for (var i = 0; i < rule.SourceLabels.Count; i++)
        {
            if (i > 0)
                sb.Append(rule.Separator);
            sb.Append(labels.GetValueOrDefault(rule.SourceLabels[i]));
        }
        return sb.ToString();
    }

    /// <summary>Prometheus label names: <c>[a-zA-Z_][a-zA-Z0-9_]*</c>.</summary>
    public static bool IsValidLabelName(string name)
    {
        if (name.Length == 0 || !(char.IsAsciiLetter(name[0]) || name[0] == '_'))
            return false;
        foreach (var c in name)
            if (!char.IsAsciiLetterOrDigit(c) && c != '_')
                return false;
        return true;
    }
}
