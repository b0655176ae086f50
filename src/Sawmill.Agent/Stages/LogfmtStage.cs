using System.Text;

namespace Sawmill.Agent.Stages;

/// <summary>Promtail's <c>logfmt</c> stage: picks keys (mapping extracted name to logfmt key) from a logfmt line.</summary>
public sealed class LogfmtStage(IReadOnlyDictionary<string, string> mapping, string? source) : TransformStage("logfmt")
{
    protected override bool Apply(PipelineEntry entry)
    {
        var input = source == null ? entry.Line : entry.ExtractedString(source);
        if (input == null)
            return true;
        foreach (var (key, value) in Parse(input))
        {
            foreach (var (name, wanted) in mapping)
                if (wanted == key)
                    entry.Extracted[name] = value;
        }
        return true;
    }

    /// <summary>go-logfmt decoding: <c>key=value</c>, <c>key="quoted \" value"</c>, bare <c>key</c> (empty value).</summary>
    public static IEnumerable<(string Key, string Value)> Parse(string line)
    {
        var i = 0;
        var list = new List<(string, string)>();
        while (i < line.Length)
        {
            while (i < line.Length && line[i] <= ' ')
                i++;
            var ks = i;
            while (i < line.Length && line[i] > ' ' && line[i] != '=' && line[i] != '"')
                i++;
            if (i == ks)
            {
                i++;
                continue;
            }
            var key = line[ks..i];
            if (i >= line.Length || line[i] != '=')
            {
                list.Add((key, ""));
                continue;
            }
            i++;
            if (i < line.Length && line[i] == '"')
            {
                var sb = new StringBuilder();
                i++;
                while (i < line.Length && line[i] != '"')
                {
                    if (line[i] == '\\' && i + 1 < line.Length)
                    {
                        i++;
                        sb.Append(line[i] switch { 'n' => '\n', 't' => '\t', 'r' => '\r', var c => c });
                    }
                    else
                    {
                        sb.Append(line[i]);
                    }
                    i++;
                }
                i++;
                list.Add((key, sb.ToString()));
            }
            else
            {
                var vs = i;
                while (i < line.Length && line[i] > ' ')
                    i++;
                list.Add((key, line[vs..i]));
            }
        }
        return list;
    }
}
