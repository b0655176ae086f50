namespace Sawmill.Server.Distribution;

/// <summary>
/// A token bucket per key (tenant or stream): <c>rate</c> bytes per second, holding at most <c>burst</c> bytes.
/// A request is allowed only if the whole of it fits (Loki's distributor rejects the whole push otherwise).
/// Thread-safe.
/// </summary>
public sealed class RateLimiter
{
    private readonly Dictionary<string, Bucket> _buckets = new(StringComparer.Ordinal);
    private readonly object _lock = new();
    private readonly Func<long> _clockNs;

    /// <param name="clockNs">Nanoseconds from any origin (tests pass a fake clock); a monotonic clock by default.</param>
    public RateLimiter(Func<long>? clockNs = null) =>
        _clockNs = clockNs ?? (() => (long)(System.Diagnostics.Stopwatch.GetTimestamp() * (1e9 / System.Diagnostics.Stopwatch.Frequency)));

    public bool TryTake(string key, long bytes, double ratePerSecond, double burst)
    {
        if (ratePerSecond <= 0)
            return true;
        var now = _clockNs();
        lock (_lock)
        {
            if (!_buckets.TryGetValue(key, out var b))
                _buckets[key] = b = new Bucket { Tokens = burst, Last = now };
            // A clock that steps back (a wall clock in tests, say) never takes tokens away.
            var elapsed = Math.Max(0, now - b.Last) / 1e9;
            b.Tokens = Math.Min(burst, b.Tokens + elapsed * ratePerSecond);
            b.Last = now;
            // A single request larger than the burst can never fit; Loki lets the bucket go negative for it only when empty-full.
            if (bytes > b.Tokens)
                return false;
            b.Tokens -= bytes;
            return true;
        }
    }

    private sealed class Bucket
    {
        public double Tokens;
        public long Last;
    }
}
