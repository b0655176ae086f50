using System.Globalization;
using System.Text;
using Sawmill.Agent.Tailing;
using YamlDotNet.RepresentationModel;
using Sawmill.GoCompat;

namespace Sawmill.Agent.Positions;

/// <summary>
/// The positions file in Promtail's format (<c>positions:</c> mapping path to a quoted byte offset), so an existing
/// Promtail positions file is picked up. Offsets recorded here are only ever offsets the server acknowledged (or
/// that were written durably to the spill buffer). Saves are atomic: write a temp file, fsync it, rename over the
/// old file, fsync the directory — a crash leaves either the old or the new file, never a torn one.
/// Thread-safe.
/// </summary>
public sealed class PositionsFile
{
    private readonly string _path;
    private readonly Dictionary<string, long> _offsets = new(StringComparer.Ordinal);
    private readonly object _lock = new();
    private readonly object _saveLock = new();
    private bool _dirty;

    private PositionsFile(string path) => _path = path;

    public string FilePath => _path;

    /// <summary>The directory that holds the positions file; the spill buffer lives under it.</summary>
    public string Directory => System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(_path))!;

    public static PositionsFile Open(string path, bool ignoreInvalid)
    {
        var p = new PositionsFile(path);
        System.IO.Directory.CreateDirectory(p.Directory);
        if (!File.Exists(path))
            return p;
        try
        {
            var yaml = new YamlStream();
            yaml.Load(new StringReader(File.ReadAllText(path)));
            if (yaml.Documents.Count > 0 && yaml.Documents[0].RootNode is YamlMappingNode root &&
                root.Children.TryGetValue(new YamlScalarNode("positions"), out var node) && node is YamlMappingNode map)
            {
                foreach (var (k, v) in map.Children)
                {
                    if (k is YamlScalarNode key && v is YamlScalarNode val && key.Value != null &&
                        long.TryParse(val.Value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var off))
                        p._offsets[key.Value] = off;
                }
            }
        }
        catch (Exception e) when (e is YamlDotNet.Core.YamlException or IOException)
        {
            if (!ignoreInvalid)
                throw new InvalidDataException($"invalid yaml positions file [{path}]: {e.Message}", e);
        }
        return p;
    }

    public long Get(string path)
    {
        lock (_lock)
            return _offsets.GetValueOrDefault(path);
    }

    public bool Contains(string path)
    {
        lock (_lock)
            return _offsets.ContainsKey(path);
    }

    public void Set(string path, long offset)
    {
        lock (_lock)
        {
            if (_offsets.TryGetValue(path, out var old) && old == offset)
                return;
            _offsets[path] = offset;
            _dirty = true;
        }
    }

    public void Remove(string path)
    {
        lock (_lock)
        {
            if (_offsets.Remove(path))
                _dirty = true;
        }
    }

    public IReadOnlyDictionary<string, long> Snapshot()
    {
        lock (_lock)
            return new Dictionary<string, long>(_offsets, StringComparer.Ordinal);
    }

    /// <summary>Writes the file when something changed since the last save. Returns true when it wrote.</summary>
    public bool SaveIfDirty()
    {
        lock (_saveLock)
        {
            string text;
            lock (_lock)
            {
                if (!_dirty)
                    return false;
                _dirty = false;
                var sb = new StringBuilder("positions:\n");
                foreach (var (k, v) in _offsets.OrderBy(x => x.Key, StringComparer.Ordinal))
                {
                    sb.Append("  ");
                    GoQuote.Append(sb, k);
                    sb.Append(": \"").Append(v.ToString(CultureInfo.InvariantCulture)).Append("\"\n");
                }
                text = sb.ToString();
            }
            try
            {
                WriteAtomically(_path, Encoding.UTF8.GetBytes(text));
            }
            catch
            {
                lock (_lock)
                    _dirty = true;
                throw;
            }
            return true;
        }
    }

    /// <summary>temp file + fsync + rename + directory fsync.</summary>
    internal static void WriteAtomically(string path, ReadOnlySpan<byte> content)
    {
        var tmp = path + ".tmp";
        using (var fs = new FileStream(tmp, FileMode.Create, FileAccess.Write, FileShare.None, 1, FileOptions.None))
        {
            fs.Write(content);
            fs.Flush(flushToDisk: true);
        }
        File.Move(tmp, path, overwrite: true);
        FileIdentity.SyncDirectory(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!);
    }
}
