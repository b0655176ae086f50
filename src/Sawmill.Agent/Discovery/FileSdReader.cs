using System.Text.Json;
using Sawmill.Agent.Config;
using YamlDotNet.RepresentationModel;

namespace Sawmill.Agent.Discovery;

/// <summary>
/// Prometheus file_sd: JSON or YAML files (by extension) holding a list of <c>{targets: […], labels: {…}}</c>.
/// Each target contributes <c>__address__</c>; <c>__meta_filepath</c> names the file. Unreadable files are skipped
/// (and reported), as Prometheus keeps the last good state.
/// </summary>
public static class FileSdReader
{
    public static List<TargetGroup> Read(IReadOnlyList<string> patterns, Action<string> warn)
    {
        var groups = new List<TargetGroup>();
        foreach (var pattern in patterns)
        {
            foreach (var file in new PathGlob(Path.GetFullPath(pattern)).Expand())
            {
                try
                {
                    groups.AddRange(ReadFile(file));
                }
                catch (Exception e) when (e is IOException or JsonException or YamlDotNet.Core.YamlException or ConfigException or InvalidOperationException)
                {
                    warn($"file_sd: cannot read {file}: {e.Message}");
                }
            }
        }
        return groups;
    }

    private static IEnumerable<TargetGroup> ReadFile(string file)
    {
        var text = File.ReadAllText(file);
        var list = new List<(List<string> Targets, Dictionary<string, string> Labels)>();
        if (file.EndsWith(".json", StringComparison.OrdinalIgnoreCase))
        {
            using var doc = JsonDocument.Parse(text);
            foreach (var g in doc.RootElement.EnumerateArray())
            {
                var targets = g.TryGetProperty("targets", out var t) ? t.EnumerateArray().Select(x => x.GetString() ?? "").ToList() : [];
                var labels = new Dictionary<string, string>(StringComparer.Ordinal);
                if (g.TryGetProperty("labels", out var l))
                    foreach (var p in l.EnumerateObject())
                        labels[p.Name] = p.Value.GetString() ?? "";
                list.Add((targets, labels));
            }
        }
        else
        {
            var yaml = new YamlStream();
            yaml.Load(new StringReader(text));
            if (yaml.Documents.Count > 0 && yaml.Documents[0].RootNode is YamlSequenceNode seq)
            {
                var i = 0;
                foreach (var n in seq.Children.OfType<YamlMappingNode>())
                {
                    var m = new YamlMap(n, $"{file}[{i++}]");
                    var labels = new Dictionary<string, string>(StringComparer.Ordinal);
                    foreach (var (k, v) in m.StringMap("labels"))
                        labels[k] = v ?? "";
                    list.Add((m.Strings("targets").ToList(), labels));
                }
            }
        }
        foreach (var (targets, labels) in list)
        {
            foreach (var target in targets.Count == 0 ? [""] : targets)
            {
                var d = new Dictionary<string, string>(labels, StringComparer.Ordinal) { ["__meta_filepath"] = file };
                if (target.Length > 0)
                    d["__address__"] = target;
                yield return new TargetGroup("file_sd:" + file, d);
            }
        }
    }
}
