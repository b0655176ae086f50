using System.Text;
using Sawmill.Storage.Chunks;

namespace Sawmill.Storage.Tests.Chunks;

public sealed class TokenFilterTests
{
    private static List<ulong> RandomKeys(int n, int seed)
    {
        var rnd = new Random(seed);
        var set = new HashSet<ulong>();
        while (set.Count < n)
            set.Add((ulong)rnd.NextInt64() ^ ((ulong)rnd.Next() << 63));
        return [.. set];
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(7)]
    [InlineData(100)]
    [InlineData(5_000)]
    [InlineData(200_000)]
    public void Every_key_it_was_built_from_is_found(int n)
    {
        var keys = RandomKeys(n, n);
        var filter = TokenFilter.Build(keys)!;
        Assert.True(TokenFilter.IsWellFormed(filter));
        foreach (var k in keys)
            Assert.True(TokenFilter.MayContain(filter, k));
    }

    [Fact]
    public void An_empty_filter_rejects_every_key()
    {
        var filter = TokenFilter.Build([])!;
        Assert.Equal(TokenFilter.HeaderSize, filter.Length);
        Assert.False(TokenFilter.MayContain(filter, 42));
        Assert.False(TokenFilter.MayContain(filter, TokenKeys.Pack("error"u8)));
    }

    [Theory]
    [InlineData(1_000)]
    [InlineData(9_000)]
    [InlineData(60_000)]
    public void Absent_keys_pass_about_one_time_in_sixteen_at_about_five_bits_per_key(int n)
    {
        var keys = RandomKeys(n, 7);
        var filter = TokenFilter.Build(keys)!;
        var present = new HashSet<ulong>(keys);
        var probes = RandomKeys(200_000, 99).Where(k => !present.Contains(k)).ToList();
        var passed = probes.Count(k => TokenFilter.MayContain(filter, k));
        var rate = passed / (double)probes.Count;
        Assert.InRange(rate, 0.055, 0.070);
        Assert.InRange(filter.Length * 8.0 / n, 4.4, 6.0);
    }

    [Fact]
    public void Keys_of_real_tokens_are_found_and_others_mostly_not()
    {
        // Token pieces are packed bytes, not random numbers: the filter must spread them as well.
        var keys = new KeySet();
        var rnd = new Random(3);
        for (var i = 0; i < 5000; i++)
            TokenKeys.AddLine(Encoding.UTF8.GetBytes($"{{\"request_id\":\"{Guid.NewGuid()}\",\"user\":\"u{rnd.Next(1_000_000):D8}\"}}"), keys);
        var filter = TokenFilter.Build(keys.Keys)!;
        foreach (var k in keys.Keys)
            Assert.True(TokenFilter.MayContain(filter, k));
        var present = new HashSet<ulong>(keys.Keys);
        var absent = 0;
        var passed = 0;
        for (var i = 0; i < 20_000; i++)
        {
            var k = TokenKeys.Pack(Encoding.ASCII.GetBytes(Guid.NewGuid().ToString("N")[..8]));
            if (present.Contains(k))
                continue;
            absent++;
            passed += TokenFilter.MayContain(filter, k) ? 1 : 0;
        }
        Assert.InRange(passed / (double)absent, 0.04, 0.085);
    }

    [Fact]
    public void Malformed_filters_are_recognised()
    {
        var filter = TokenFilter.Build(RandomKeys(100, 1))!;
        Assert.True(TokenFilter.IsWellFormed(filter));
        Assert.False(TokenFilter.IsWellFormed(filter.AsSpan(0, filter.Length - 1)));
        Assert.False(TokenFilter.IsWellFormed(filter.AsSpan(0, 10)));
        var bad = (byte[])filter.Clone();
        bad[8] = 40;
        Assert.False(TokenFilter.IsWellFormed(bad));
    }
}
