using System.Globalization;
using Sawmill.Core;
using YamlDotNet.RepresentationModel;
using Sawmill.GoCompat;

namespace Sawmill.Agent.Config;

/// <summary>
/// Typed reads over one YAML mapping, with errors that name the key path (<c>clients[0].batchwait</c>).
/// Promtail's config is decoded by hand rather than by a serializer so that unknown keys can be warned about
/// instead of rejected and so that Go duration and size syntax are accepted everywhere.
/// </summary>
public sealed class YamlMap(YamlMappingNode node, string path)
{
    public YamlMappingNode Node { get; } = node;
    public string Path { get; } = path;

    public static YamlMap Empty(string path) => new(new YamlMappingNode(), path);

    public IEnumerable<string> Keys
    {
        get
        {
            foreach (var (k, _) in Node.Children)
                if (k is YamlScalarNode s && s.Value != null)
                    yield return s.Value;
        }
    }

    public bool Has(string key) => Get(key) != null;

    public YamlNode? Get(string key)
    {
        foreach (var (k, v) in Node.Children)
        {
            if (k is YamlScalarNode s && s.Value == key)
                return v is YamlScalarNode { Value: null or "" or "~" or "null", Style: YamlDotNet.Core.ScalarStyle.Plain } ? null : v;
        }
        return null;
    }

    public string? Str(string key)
    {
        var v = Get(key);
        return v switch
        {
            null => null,
            YamlScalarNode s => s.Value,
            _ => throw new ConfigException($"{Sub(key)}: expected a string"),
        };
    }

    public string Str(string key, string fallback) => Str(key) ?? fallback;

    public string Required(string key) =>
        Str(key) is { Length: > 0 } s ? s : throw new ConfigException($"{Sub(key)}: required");

    public int Int(string key, int fallback)
    {
        var s = Str(key);
        if (s == null)
            return fallback;
        return int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v)
            ? v
            : throw new ConfigException($"{Sub(key)}: cannot parse \"{s}\" as an integer");
    }

    public double Double(string key, double fallback)
    {
        var s = Str(key);
        if (s == null)
            return fallback;
        return double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var v)
            ? v
            : throw new ConfigException($"{Sub(key)}: cannot parse \"{s}\" as a number");
    }

    public bool Bool(string key, bool fallback)
    {
        var s = Str(key);
        if (s == null)
            return fallback;
        return s.ToLowerInvariant() switch
        {
            "true" or "yes" or "on" => true,
            "false" or "no" or "off" => false,
            _ => throw new ConfigException($"{Sub(key)}: cannot parse \"{s}\" as a boolean"),
        };
    }

    public TimeSpan Duration(string key, TimeSpan fallback)
    {
        var s = Str(key);
        if (s == null)
            return fallback;
        return GoDuration.TryParse(s, out var ns)
            ? TimeSpan.FromTicks(ns / 100)
            : throw new ConfigException($"{Sub(key)}: time: invalid duration \"{s}\"");
    }

    public long Bytes(string key, long fallback)
    {
        var s = Str(key);
        if (s == null)
            return fallback;
        if (long.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n))
            return n;
        return ByteSize.TryParse(s, out var b) ? (long)b : throw new ConfigException($"{Sub(key)}: invalid size \"{s}\"");
    }

    public YamlMap? Map(string key)
    {
        var v = Get(key);
        return v switch
        {
            null => null,
            YamlMappingNode m => new YamlMap(m, Sub(key)),
            _ => throw new ConfigException($"{Sub(key)}: expected a mapping"),
        };
    }

    public IReadOnlyList<YamlNode> Seq(string key)
    {
        var v = Get(key);
        return v switch
        {
            null => [],
            YamlSequenceNode s => s.Children.ToList(),
            _ => throw new ConfigException($"{Sub(key)}: expected a list"),
        };
    }

    public IReadOnlyList<YamlMap> Maps(string key)
    {
        var list = new List<YamlMap>();
        var i = 0;
        foreach (var n in Seq(key))
        {
            list.Add(n is YamlMappingNode m ? new YamlMap(m, $"{Sub(key)}[{i}]") : throw new ConfigException($"{Sub(key)}[{i}]: expected a mapping"));
            i++;
        }
        return list;
    }

    /// <summary>A list of strings; a single scalar is accepted as a one-element list (as Promtail's decoder does for some keys).</summary>
    public IReadOnlyList<string> Strings(string key)
    {
        var v = Get(key);
        if (v == null)
            return [];
        if (v is YamlScalarNode s)
            return s.Value is { } x ? [x] : [];
        var list = new List<string>();
        foreach (var n in Seq(key))
            list.Add(n is YamlScalarNode sc ? sc.Value ?? "" : throw new ConfigException($"{Sub(key)}: expected a list of strings"));
        return list;
    }

    /// <summary>A mapping of string to string (labels, headers). Null values read as empty strings.</summary>
    public Dictionary<string, string?> StringMap(string key)
    {
        var d = new Dictionary<string, string?>(StringComparer.Ordinal);
        var m = Map(key);
        if (m == null)
            return d;
        foreach (var (k, v) in m.Node.Children)
        {
            var name = (k as YamlScalarNode)?.Value ?? throw new ConfigException($"{Sub(key)}: keys must be strings");
            d[name] = v is YamlScalarNode s ? (s.Value is "" or "~" or "null" && s.Style == YamlDotNet.Core.ScalarStyle.Plain ? null : s.Value) : throw new ConfigException($"{Sub(key)}.{name}: expected a string");
        }
        return d;
    }

    public string Sub(string key) => Path.Length == 0 ? key : Path + "." + key;
}
