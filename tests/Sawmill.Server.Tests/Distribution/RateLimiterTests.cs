using Sawmill.Server.Distribution;

namespace Sawmill.Server.Tests.Distribution;

/// <summary>The token buckets behind ingestion_rate_mb and per_stream_rate_limit, on a fake clock (no waiting).</summary>
public sealed class RateLimiterTests
{
    private long _now = 1_000_000_000_000;
    private const long Second = 1_000_000_000;

    [Fact]
    public void The_burst_is_available_at_once_then_the_bucket_refills_at_the_rate()
    {
        var limiter = new RateLimiter(() => _now);
        Assert.True(limiter.TryTake("t", 1000, ratePerSecond: 100, burst: 1000));
        Assert.False(limiter.TryTake("t", 1, 100, 1000));
        _now += Second / 2; // 50 bytes back
        Assert.True(limiter.TryTake("t", 50, 100, 1000));
        Assert.False(limiter.TryTake("t", 1, 100, 1000));
        _now += 100 * Second; // never more than the burst
        Assert.True(limiter.TryTake("t", 1000, 100, 1000));
        Assert.False(limiter.TryTake("t", 1, 100, 1000));
    }

    [Fact]
    public void A_request_is_taken_whole_or_not_at_all_and_one_larger_than_the_burst_never_fits()
    {
        var limiter = new RateLimiter(() => _now);
        Assert.False(limiter.TryTake("t", 1001, 100, 1000));
        Assert.True(limiter.TryTake("t", 600, 100, 1000));
        Assert.False(limiter.TryTake("t", 600, 100, 1000)); // 400 left: refused whole, nothing taken
        Assert.True(limiter.TryTake("t", 400, 100, 1000));
    }

    [Fact]
    public void Keys_have_their_own_buckets_and_a_rate_of_zero_is_unlimited()
    {
        var limiter = new RateLimiter(() => _now);
        Assert.True(limiter.TryTake("a", 1000, 100, 1000));
        Assert.True(limiter.TryTake("b", 1000, 100, 1000));
        Assert.True(limiter.TryTake("c", long.MaxValue, 0, 0));
    }

    [Fact]
    public void A_clock_that_steps_back_takes_no_tokens_away()
    {
        var limiter = new RateLimiter(() => _now);
        Assert.True(limiter.TryTake("t", 500, 100, 1000));
        _now -= 10 * Second;
        Assert.True(limiter.TryTake("t", 500, 100, 1000));
    }
}
