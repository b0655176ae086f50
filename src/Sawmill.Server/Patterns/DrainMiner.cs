namespace Sawmill.Server.Patterns;

/// <summary>
/// Groups log lines into patterns with the Drain algorithm: lines are split into tokens; a fixed-depth tree routes a line
/// by its token count and then by its first tokens (tokens holding digits route to a wildcard child, since they are
/// likely variables); at the leaf, the line joins the cluster whose template shares the most tokens with it (at least
/// <see cref="DrainOptions.SimilarityThreshold"/>), and positions where they differ become wildcards. Cost per line is
/// bounded by the depth, <see cref="DrainOptions.MaxChildren"/> and the clusters of one leaf. Not thread-safe.
/// </summary>
public sealed class DrainMiner
{
    /// <summary>The variable marker Loki's patterns use (it also works in the <c>|&gt;</c> pattern filter).</summary>
    public const string Wildcard = "<_>";

    /// <summary>Distinct tokens kept for interning; past this, new tokens are allocated per line (bounded memory).</summary>
    private const int MaxInterned = 200_000;

    private readonly DrainOptions _options;
    private readonly Dictionary<int, Node> _byLength = [];
    private readonly List<DrainCluster> _clusters = [];
    // Tokens are interned: a line's tokens are looked up by span (no allocation for a token seen before), and equal
    // tokens are the same string, so template comparisons mostly end at the reference check.
    private readonly Dictionary<string, string> _interned = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string>.AlternateLookup<ReadOnlySpan<char>> _internLookup;
    private string[] _tokens = new string[32];
    private char[] _masked = new char[256];
    private bool _internFull;
    private long _clock;
    private int _nextId;

    public DrainMiner(DrainOptions? options = null)
    {
        _options = options ?? new DrainOptions();
        _internLookup = _interned.GetAlternateLookup<ReadOnlySpan<char>>();
        _interned[Wildcard] = Wildcard;
        _interned[""] = "";
    }

    public IReadOnlyList<DrainCluster> Clusters => _clusters;

    /// <summary>Adds a line seen at <paramref name="timestampMs"/>, counted in the bucket of width <paramref name="bucketMs"/>; returns its cluster.</summary>
    public DrainCluster Train(string line, long timestampMs = 0, long bucketMs = 10_000)
    {
        var tokens = TokenizeInto(line);
        var leaf = Route(tokens, create: true)!;
        var cluster = BestMatch(leaf.Clusters, tokens);
        if (cluster == null)
        {
            cluster = new DrainCluster(_nextId++, tokens.ToArray());
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
                if (!ReferenceEquals(template[i], Wildcard) && !ReferenceEquals(template[i], tokens[i]) && (!_internFull || template[i] != tokens[i]))
                    template[i] = Wildcard;
            }
        }
        cluster.Count++;
        cluster.LastUsed = ++_clock;
        var bucket = bucketMs > 0 ? timestampMs - (((timestampMs % bucketMs) + bucketMs) % bucketMs) : timestampMs;
        cluster.AddSample(bucket);
        return cluster;
    }

    /// <summary>Finds the cluster a line would join, without changing anything.</summary>
    public DrainCluster? Match(string line)
    {
        var tokens = TokenizeInto(line);
        var leaf = Route(tokens, create: false);
        return leaf == null ? null : BestMatch(leaf.Clusters, tokens);
    }

    // Tokenizing: split on white space and mask the obvious variables: inside each token, every run of letters and
    // digits that holds a digit becomes the wildcard (size=1234 -> size=<_>, 10.0.0.1 -> <_>.<_>.<_>.<_>), so such
    // tokens compare equal across lines. A line with no tokens is one empty token so that it still has a cluster.

    /// <summary>Tokenizes into the miner's reusable buffer (valid until the next call); tokens are interned.</summary>
    private ReadOnlySpan<string> TokenizeInto(string line)
    {
        var n = 0;
        var i = 0;
        var max = _options.MaxTokens;
        while (i < line.Length && n < max)
        {
            while (i < line.Length && char.IsWhiteSpace(line[i]))
                i++;
            var start = i;
            while (i < line.Length && !char.IsWhiteSpace(line[i]))
                i++;
            if (i == start)
                break;
            if (n == _tokens.Length)
                Array.Resize(ref _tokens, Math.Min(max, n * 2));
            _tokens[n++] = Intern(Mask(line.AsSpan(start, i - start)));
        }
        if (n == 0)
        {
            _tokens[0] = "";
            n = 1;
        }
        return new ReadOnlySpan<string>(_tokens, 0, n);
    }

    private string Intern(ReadOnlySpan<char> token)
    {
        if (_internLookup.TryGetValue(token, out var s))
            return s;
        s = token.ToString();
        if (_interned.Count < MaxInterned)
            _interned[s] = s;
        else
            _internFull = true;
        return s;
    }

    /// <summary>The masked form of a token, in the miner's scratch buffer when it differs from the token.</summary>
    private ReadOnlySpan<char> Mask(ReadOnlySpan<char> token)
    {
        if (token.IndexOfAnyInRange('0', '9') < 0)
            return token;
        if (_masked.Length < token.Length + Wildcard.Length)
            _masked = new char[Math.Max(_masked.Length * 2, token.Length + Wildcard.Length)];
        var o = 0;
        var i = 0;
        while (i < token.Length)
        {
            if (!char.IsAsciiLetterOrDigit(token[i]))
            {
                _masked[o++] = token[i++];
                continue;
            }
            var start = i;
            var digit = false;
            while (i < token.Length && char.IsAsciiLetterOrDigit(token[i]))
                digit |= char.IsAsciiDigit(token[i++]);
            if (digit)
            {
                // Adjacent variables collapse into one wildcard.
                if (!(o >= Wildcard.Length && _masked.AsSpan(o - Wildcard.Length, Wildcard.Length).SequenceEqual(Wildcard)))
                {
                    Wildcard.CopyTo(_masked.AsSpan(o));
                    o += Wildcard.Length;
                }
            }
            else
            {
                token[start..i].CopyTo(_masked.AsSpan(o));
                o += i - start;
            }
        }
        return _masked.AsSpan(0, o);
    }

    private static bool IsVariable(string token) => token.Contains(Wildcard, StringComparison.Ordinal);

    private Node? Route(ReadOnlySpan<string> tokens, bool create)
    {
        if (!_byLength.TryGetValue(tokens.Length, out var node))
        {
            if (!create)
                return null;
            node = _byLength[tokens.Length] = new Node();
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

    private DrainCluster? BestMatch(List<DrainCluster> candidates, ReadOnlySpan<string> tokens)
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
                var t = c.Template[i];
                // Interned tokens are equal exactly when they are the same string.
                if (ReferenceEquals(t, tokens[i]) || (_internFull && t == tokens[i]))
                    same++;
                else if (ReferenceEquals(t, Wildcard))
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
        foreach (var root in _byLength.Values)
            if (RemoveFrom(root, victim))
                break;
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
