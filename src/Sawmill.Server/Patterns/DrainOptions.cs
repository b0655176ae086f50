namespace Sawmill.Server.Patterns;

/// <summary>Tuning of the Drain log-pattern miner (He et al., ICWS 2017), with Drain3's usual defaults.</summary>
public sealed record DrainOptions
{
    /// <summary>Depth of the parse tree including the root and the leaf level (Drain's <c>depth</c>); ≥ 3.</summary>
    public int Depth { get; init; } = 4;

    /// <summary>Share of equal tokens (0..1) at which a line joins a cluster instead of founding a new one.</summary>
    public double SimilarityThreshold { get; init; } = 0.4;

    /// <summary>Children per internal node before new tokens route to the wildcard child.</summary>
    public int MaxChildren { get; init; } = 100;

    /// <summary>Clusters kept; the least recently used one is evicted past this.</summary>
    public int MaxClusters { get; init; } = 1000;

    /// <summary>Lines longer than this many tokens are cut (keeps cost per line bounded).</summary>
    public int MaxTokens { get; init; } = 128;
}
