namespace Sawmill.Server.Patterns;

/// <summary>
/// Groups log lines into patterns with the Drain algorithm: lines are split into tokens; a fixed-depth tree routes a line
/// by its token count and then by its first tokens (tokens holding digits route to a wildcard child, since they are
/// likely variables); at the leaf, the line joins the cluster whose template shares the most tokens with it (at least
/// <see cref="DrainOptions.SimilarityThreshold"/>), and positions where they differ become wildcards. Cost per line is
/// bounded by the depth, <see cref="DrainOptions.MaxChildren"/> and the clusters of one leaf. Not thread-safe.
/// </summary>
public sealed class DrainMiner(DrainOptions? options = null)
{
    /// <summary>The variable marker Loki's patterns use (it also works in the <c>|&gt;</c> pattern filter).</summary>
    public const string Wildcard = "<_>";

    private readonly DrainOptions _options = options ?? new DrainOptions();
    private readonly Node _root = new();
    private readonly List<DrainCluster> _clusters = [];
    private long _clock;
    private int _nextId;

    public IReadOnlyList<DrainCluster> Clusters => _clusters;

    /// <summary>Adds a line seen at <paramref name="timestampMs"/>, counted in the bucket of width <paramref name="bucketMs"/>; returns its cluster.</summary>
    public DrainCluster Train(string line, long timestampMs = 0, long bucketMs = 10_000)
    {
        var tokens = Tokenize(line, _options.MaxTokens);
        var leaf = Route(tokens, create: true)!;
        var cluster = BestMatch(leaf.Clusters, tokens);
        if (cluster == null)
        {
            cluster = new DrainCluster(_nextId++, tokens);
            leaf.Clusters.Add(cluster);
            _clusters.Add(cluster);
            if (_clusters.Count > _options.MaxClusters)
                Evict();
        }
        else
        {
            var template = cluster.Template;
            for (var i = 0; i < template.Length; i++)
            {
                if (template[i] != Wildcard && template[i] != tokens[i])
                    template[i] = Wildcard;
            }
        }
        cluster.Count++;
        cluster.LastUsed = ++_clock;
        var bucket = bucketMs > 0 ? timestampMs - (((timestampMs % bucketMs) + bucketMs) % bucketMs) : timestampMs;
        cluster.Samples[bucket] = cluster.Samples.GetValueOrDefault(bucket) + 1;
        return cluster;
    }

    /// <summary>Finds the cluster a line would join, without changing anything.</summary>
    public DrainCluster? Match(string line)
    {
        var tokens = Tokenize(line, _options.MaxTokens);
        var leaf = Route(tokens, create: false);
        return leaf == null ? null : BestMatch(leaf.Clusters, tokens);
    }

    /// <summary>
    /// Splits on white space and masks the obvious variables: inside each token, every run of letters and digits
    /// that holds a digit becomes <see cref="Wildcard"/> (<c>size=1234</c> → <c>size=&lt;_&gt;</c>,
    /// <c>10.0.0.1</c> → <c>&lt;_&gt;.&lt;_&gt;.&lt;_&gt;.&lt;_&gt;</c>), so such tokens compare equal across lines.
    /// A line with no tokens is one empty token so that it still has a cluster.
    /// </summary>
    internal static string[] Tokenize(string line, int maxTokens)
    {
        var parts = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length == 0)
            return [""];
        if (parts.Length > maxTokens)
            parts = parts[..maxTokens];
        for (var i = 0; i < parts.Length; i++)
            parts[i] = Mask(parts[i]);
        return parts;
    }

    private static string Mask(string token)
    {
        if (!HasDigit(token))
            return token;
        var sb = new System.Text.StringBuilder(token.Length);
        var i = 0;
        while (i < token.Length)
        {
            if (!char.IsAsciiLetterOrDigit(token[i]))
            {
                sb.Append(token[i++]);
                continue;
            }
            var start = i;
            var digit = false;
            while (i < token.Length && char.IsAsciiLetterOrDigit(token[i]))
                digit |= char.IsAsciiDigit(token[i++]);
            if (digit)
            {
                if (!(sb.Length >= Wildcard.Length && sb.ToString(sb.Length - Wildcard.Length, Wildcard.Length) == Wildcard))
                    sb.Append(Wildcard);
            }
            else
            {
                sb.Append(token, start, i - start);
            }
        }
        var masked = sb.ToString();
        return masked;
    }

    private static bool HasDigit(string token)
    {
        foreach (var c in token)
            if (char.IsAsciiDigit(c))
                return true;
        return false;
    }

    private static bool IsVariable(string token) => token.Contains(Wildcard, StringComparison.Ordinal);

    private Node? Route(string[] tokens, bool create)
    {
        var key = tokens.Length.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (!_root.Children.TryGetValue(key, out var node))
        {
            if (!create)
                return null;
            node = _root.Children[key] = new Node();
        }
        var levels = Math.Min(_options.Depth - 2, tokens.Length);
        for (var i = 0; i < levels; i++)
        {
            var token = IsVariable(tokens[i]) ? Wildcard : tokens[i];
            if (node.Children.TryGetValue(token, out var child))
            {
                node = child;
                continue;
            }
            if (node.Children.TryGetValue(Wildcard, out var wild) && (token == Wildcard || node.Children.Count >= _options.MaxChildren))
            {
                node = wild;
                continue;
            }
            if (!create)
                return node.Children.TryGetValue(Wildcard, out var w) ? w : null;
            // Keep the last slot for the wildcard child so that unseen tokens always have somewhere to go.
            var full = node.Children.Count + 1 >= _options.MaxChildren;
            child = new Node();
            node.Children[full ? Wildcard : token] = child;
            node = child;
        }
        return node;
    }

    private DrainCluster? BestMatch(List<DrainCluster> candidates, string[] tokens)
    {
        DrainCluster? best = null;
        var bestSim = -1.0;
        var bestParams = -1;
        foreach (var c in candidates)
        {
            if (c.Template.Length != tokens.Length)
                continue;
            var same = 0;
            var wild = 0;
            for (var i = 0; i < tokens.Length; i++)
            {
                // A masked variable in both counts as equal (as Drain3's masks do); a generalised position as a parameter.
                if (c.Template[i] == tokens[i])
                    same++;
                else if (c.Template[i] == Wildcard)
                    wild++;
            }
            var sim = (double)same / tokens.Length;
            if (sim > bestSim || (sim == bestSim && wild > bestParams))
            {
                best = c;
                bestSim = sim;
                bestParams = wild;
            }
        }
        return best != null && bestSim >= _options.SimilarityThreshold ? best : null;
    }

    private void Evict()
    {
        var victim = _clusters[0];
        foreach (var c in _clusters)
            if (c.LastUsed < victim.LastUsed)
                victim = c;
        _clusters.Remove(victim);
        RemoveFrom(_root, victim);
    }

    private static bool RemoveFrom(Node node, DrainCluster cluster)
    {
        if (node.Clusters.Remove(cluster))
            return true;
        foreach (var child in node.Children.Values)
            if (RemoveFrom(child, cluster))
                return true;
        return false;
    }

    private sealed class Node
    {
        public Dictionary<string, Node> Children { get; } = new(StringComparer.Ordinal);
        public List<DrainCluster> Clusters { get; } = [];
    }
}
