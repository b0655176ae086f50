namespace ChurnApi;

/// <summary>Settings of the example (configuration section <c>ChurnApi</c>).</summary>
internal sealed class ChurnApiOptions
{
    public string ModelVersion { get; set; } = "v1.2.3";

    /// <summary>Predictions less confident than this log <c>Low confidence prediction</c>.</summary>
    public double ConfidenceThreshold { get; set; } = 0.7;

    /// <summary>Seed of the synthetic training data and of the simulated feature store.</summary>
    public int Seed { get; set; } = 42;

    public FeatureStoreOptions FeatureStore { get; set; } = new();
}
