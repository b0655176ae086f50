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

    /// <summary>
    /// Issue 16: a block full of unique ids rejects an absent id, asked as a whole value that escapes may spell
    /// (`| json | request_id="…"`, `| logfmt | trace_id="…"`: the id's keys, or the backslash marker), at most 1% of the
    /// time. Blocks of 1,000 JSON and logfmt lines, each with a fresh UUID and 32-hex id, and no backslash.
    /// </summary>
    [Fact]
    public void Blocks_of_unique_ids_reject_an_absent_id_asked_as_an_escapable_value_at_most_one_time_in_a_hundred()
    {
        var rnd = new Random(16);
        string Hex(int n) => string.Concat(Enumerable.Range(0, n).Select(_ => "0123456789abcdef"[rnd.Next(16)]));
        string Uuid() => $"{Hex(8)}-{Hex(4)}-4{Hex(3)}-a{Hex(3)}-{Hex(12)}";
        var filters = new List<byte[]>();
        for (var b = 0; b < 300; b++)
        {
            var keys = new KeySet();
            for (var i = 0; i < 1000; i++)
            {
                var line = i % 2 == 0
                    ? $"{{\"level\":\"info\",\"msg\":\"request completed\",\"request_id\":\"{Uuid()}\",\"user_id\":\"{Hex(16)}\",\"status_code\":200}}"
                    : $"level=info method=GET path=/api/v1/orders status=200 trace_id={Hex(32)} user_id={Hex(16)} msg=\"order created\"";
                TokenKeys.AddLine(Encoding.UTF8.GetBytes(line), keys);
            }
            filters.Add(TokenFilter.Build(keys.Keys)!);
        }
        long asked = 0, passed = 0;
        for (var q = 0; q < 200; q++)
        {
            var id = q % 2 == 0 ? Uuid() : Hex(32);
            var plan = Sawmill.Storage.Query.SearchPlan.For(new Sawmill.Core.SelectRequest
            {
                Tenant = "t", Matchers = [], StartNs = 0, EndNs = 1,
                Implied = [new Sawmill.Core.ImpliedCondition { Label = q % 2 == 0 ? "request_id" : "trace_id", JsonObject = q % 2 == 0, Text = Encoding.UTF8.GetBytes(id), TextBounded = true, EscapesPass = true }],
            })!.ForStream(Sawmill.Core.Labels.Empty)!;
            foreach (var f in filters)
            {
                asked++;
                if (plan.BlockMayMatch(f, hasMetadata: false))
                    passed++;
            }
        }
        Assert.InRange(passed / (double)asked, 0, 0.01);
    }

    [Fact]
    public void Markers_are_three_keys_and_filters_say_so()
    {
        var keys = new KeySet();
        TokenKeys.AddLine("{\"a\":\"b\\\"c\"}"u8, keys);
        for (var k = 0; k < TokenKeys.MarkerKeys; k++)
        {
            Assert.Contains(TokenKeys.MarkerKey(TokenKeys.JsonObjectMarker, k), keys.Keys);
            Assert.Contains(TokenKeys.MarkerKey(TokenKeys.BackslashMarker, k), keys.Keys);
        }
        var filter = TokenFilter.Build(keys.Keys)!;
        Assert.True(TokenFilter.HasMarkerTriples(filter));
        Assert.True(TokenKeys.MarkerMayBeIn(filter, TokenKeys.BackslashMarker));
        Assert.True(TokenFilter.HasMarkerTriples(TokenFilter.Build([])!));
    }

    /// <summary>
    /// Filters of the first version-3 writers hold each marker as one key (header byte 9 = 0): the marker alone decides
    /// there. With three keys an absent marker passes about 1 time in 4,096 instead of 1 in 16.
    /// </summary>
    [Fact]
    public void Filters_without_the_flag_are_asked_for_the_marker_alone_and_absent_markers_rarely_pass()
    {
        var old = TokenFilter.Build([TokenKeys.BackslashMarker, TokenKeys.Pack("error"u8)])!;
        old[9] = 0;
        Assert.False(TokenFilter.HasMarkerTriples(old));
        Assert.True(TokenKeys.MarkerMayBeIn(old, TokenKeys.BackslashMarker));
        int single = 0, triple = 0;
        for (var seed = 0; seed < 4000; seed++)
        {
            var filter = TokenFilter.Build(RandomKeys(200, seed))!;
            if (TokenFilter.MayContain(filter, TokenKeys.BackslashMarker))
                single++;
            if (TokenKeys.MarkerMayBeIn(filter, TokenKeys.BackslashMarker))
                triple++;
        }
        Assert.InRange(single, 150, 350);
        Assert.InRange(triple, 0, 8);
    }
}
