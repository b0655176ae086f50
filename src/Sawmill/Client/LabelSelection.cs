namespace Sawmill.Client;

/// <summary>logcli's label output flags: <c>--no-labels</c>, <c>--exclude-label</c>, <c>--include-label</c>.</summary>
internal sealed record LabelSelection(bool NoLabels, IReadOnlyCollection<string> Exclude, IReadOnlyCollection<string> Include)
{
    public static readonly LabelSelection All = new(false, [], []);

    /// <summary>The labels to print for one stream: without the common ones (unless explicitly included) and the excluded ones.</summary>
    public IEnumerable<KeyValuePair<string, string>> Apply(IReadOnlyDictionary<string, string> labels, IReadOnlyDictionary<string, string> common)
    {
        foreach (var pair in labels)
        {
            if (Include.Count > 0)
            {
                if (Include.Contains(pair.Key))
                    yield return pair;
                continue;
            }
            if (Exclude.Contains(pair.Key) || common.ContainsKey(pair.Key))
                continue;
            yield return pair;
        }
    }

    /// <summary>Labels with the same value in every stream (logcli prints them once as "Common labels").</summary>
    public static Dictionary<string, string> Common(IReadOnlyList<IReadOnlyDictionary<string, string>> streams)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        if (streams.Count < 2)
            return result;
        foreach (var (k, v) in streams[0])
        {
            var everywhere = true;
            for (var i = 1; i < streams.Count && everywhere; i++)
                everywhere = streams[i].TryGetValue(k, out var other) && other == v;
            if (everywhere)
                result[k] = v;
        }
        return result;
    }
}
