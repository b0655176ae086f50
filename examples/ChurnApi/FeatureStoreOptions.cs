namespace ChurnApi;

/// <summary>Behaviour of the simulated feature store each prediction consults.</summary>
internal sealed class FeatureStoreOptions
{
    /// <summary>Share of lookups that take about <see cref="LatencySpikeMs"/> instead of a few milliseconds.</summary>
    public double LatencySpikeRate { get; set; } = 0.03;

    public int LatencySpikeMs { get; set; } = 800;

    /// <summary>Share of lookups that fail with a database connection timeout (the API answers 500).</summary>
    public double ErrorRate { get; set; } = 0.02;
}
