using System.Text;
using Sawmill.Core;

namespace Sawmill.Ruler;

/// <summary>
/// Rule files on local disk in Loki's layout: <c>&lt;dir&gt;/&lt;tenant&gt;/&lt;namespace&gt;.yaml</c> (<c>.yml</c> and
/// extension-less files are read too; the namespace is the file name without its YAML extension). Writes from the
/// API replace a whole file atomically (temp file + rename). Thread-safe: writers serialise on one lock; readers
/// see either the old or the new file.
/// </summary>
public sealed class RuleStore(string directory)
{
    private readonly Lock _write = new();

    public string Directory { get; } = Path.GetFullPath(directory);

    public IReadOnlyList<string> Tenants()
    {
        if (!System.IO.Directory.Exists(Directory))
            return [];
        return System.IO.Directory.GetDirectories(Directory)
            .Select(Path.GetFileName)
            .Where(t => t != null && Tenant.Validate(t) == null && !t.StartsWith('.'))
            .Select(t => t!)
            .Order(StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>A tenant's namespaces and groups; files that fail to parse are reported in <paramref name="errors"/> and skipped.</summary>
    public SortedDictionary<string, List<RuleGroupDefinition>> Load(string tenant, List<string>? errors = null)
    {
        var result = new SortedDictionary<string, List<RuleGroupDefinition>>(StringComparer.Ordinal);
        foreach (var (ns, path) in Files(tenant))
        {
            try
            {
                var groups = RuleYaml.ParseFile(File.ReadAllText(path), path);
                if (groups.Count > 0)
                    result[ns] = groups;
            }
            catch (RuleValidationException e)
            {
                errors?.Add(e.Message);
            }
            catch (IOException e)
            {
                errors?.Add($"{path}: {e.Message}");
            }
        }
        return result;
    }

    /// <summary>A value that changes whenever any rule file is added, removed or modified (for reload polling).</summary>
    public string Fingerprint()
    {
        var sb = new StringBuilder();
        foreach (var t in Tenants())
            foreach (var (_, path) in Files(t))
            {
                var fi = new FileInfo(path);
                sb.Append(path).Append('|').Append(fi.LastWriteTimeUtc.Ticks).Append('|').Append(fi.Length).Append('\n');
            }
        return sb.ToString();
    }

    private IEnumerable<(string Namespace, string Path)> Files(string tenant)
    {
        var dir = Path.Combine(Directory, tenant);
        if (!System.IO.Directory.Exists(dir))
            yield break;
        foreach (var path in System.IO.Directory.GetFiles(dir).Order(StringComparer.Ordinal))
        {
            var name = Path.GetFileName(path);
            if (name.StartsWith('.') || name.EndsWith(".tmp", StringComparison.Ordinal))
                continue;
            var ns = name.EndsWith(".yaml", StringComparison.Ordinal) ? name[..^5] : name.EndsWith(".yml", StringComparison.Ordinal) ? name[..^4] : name;
            yield return (ns, path);
        }
    }

    private string? PathOf(string tenant, string ns) =>
        Files(tenant).Where(f => f.Namespace == ns).Select(f => f.Path).FirstOrDefault();

    /// <summary>Adds or replaces one group in a namespace (creating the file).</summary>
    public void SetGroup(string tenant, string ns, RuleGroupDefinition group)
    {
        CheckNamespace(ns);
        lock (_write)
        {
            var path = PathOf(tenant, ns);
            var groups = path != null ? RuleYaml.ParseFile(File.ReadAllText(path), path) : [];
            var i = groups.FindIndex(g => g.Name == group.Name);
            if (i >= 0)
                groups[i] = group;
            else
                groups.Add(group);
            Write(tenant, ns, path, groups);
        }
    }

    /// <summary>Deletes a namespace, or one group of it; false when it does not exist.</summary>
    public bool Delete(string tenant, string ns, string? group)
    {
        lock (_write)
        {
            var path = PathOf(tenant, ns);
            if (path == null)
                return false;
            if (group == null)
            {
                File.Delete(path);
                return true;
            }
            var groups = RuleYaml.ParseFile(File.ReadAllText(path), path);
            if (groups.RemoveAll(g => g.Name == group) == 0)
                return false;
            if (groups.Count == 0)
                File.Delete(path);
            else
                Write(tenant, ns, path, groups);
            return true;
        }
    }

    private void Write(string tenant, string ns, string? path, List<RuleGroupDefinition> groups)
    {
        var dir = Path.Combine(Directory, tenant);
        System.IO.Directory.CreateDirectory(dir);
        path ??= Path.Combine(dir, ns + ".yaml");
        var tmp = path + ".tmp";
        File.WriteAllText(tmp, RuleYaml.ToYaml(new RuleFileDefinition { Groups = groups }));
        File.Move(tmp, path, overwrite: true);
    }

    public static void CheckNamespace(string ns)
    {
        if (ns.Length == 0 || ns.StartsWith('.') || ns.IndexOfAny(['/', '\\', '\0']) >= 0 || ns.Length > 200)
            throw new RuleValidationException($"invalid namespace name \"{ns}\"");
    }
}
