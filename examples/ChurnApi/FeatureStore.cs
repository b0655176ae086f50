namespace ChurnApi;

/// <summary>
/// Stands in for the database a real churn service reads customer history from: usually a few milliseconds,
/// sometimes a latency spike, sometimes a connection timeout. Gives the logs and metrics something to show.
/// Thread-safe.
/// </summary>
internal sealed class FeatureStore(FeatureStoreOptions options, int seed)
{
    private readonly Random _random = new(seed);

    public async Task LookupAsync(CancellationToken cancellationToken)
    {
        double r, jitter;
        lock (_random)
        {
            r = _random.NextDouble();
            jitter = _random.NextDouble();
        }
        if (r < options.ErrorRate)
        {
            var waited = (int)(options.LatencySpikeMs * (0.5 + jitter * 0.25));
            await Task.Delay(waited, cancellationToken);
            throw new TimeoutException($"database connection timed out after {waited} ms while loading customer history");
        }
        var delay = r < options.ErrorRate + options.LatencySpikeRate
            ? options.LatencySpikeMs * (0.5 + jitter)
            : 2 + jitter * 10;
        await Task.Delay(TimeSpan.FromMilliseconds(delay), cancellationToken);
    }
}
