using System.Globalization;
using System.Text;
using FsCheck.Xunit;
using Sawmill.LogQL.Engine;
using Sawmill.LogQL.Log;
using Sawmill.GoCompat;

namespace Sawmill.LogQL.Tests.Engine;

/// <summary>
/// The sample path's fast parts against their plain definitions, bit for bit: quantile by selection vs by sorting,
/// the pooled run-merging <see cref="SampleBuffer"/> vs a stable sort, and the simple-decimal number parser vs the
/// general one.
/// </summary>
public sealed class SampleFastPathTests
{
    // No -0.0: it equals +0.0, so which of the two a sort puts first is unspecified in both definitions.
    private static readonly double[] Specials = [double.NaN, double.PositiveInfinity, double.NegativeInfinity, 0, 1, -1, double.MaxValue, double.Epsilon];

    private static double[] RandomValues(Random rng, int n)
    {
        var values = new double[n];
        var pool = rng.Next(3) switch { 0 => 3, 1 => 50, _ => int.MaxValue }; // many duplicates, some, hardly any
        for (var i = 0; i < n; i++)
        {
            values[i] = rng.Next(20) switch
            {
                0 => Specials[rng.Next(Specials.Length)],
                _ when pool != int.MaxValue => rng.Next(pool) * 1.5 - 10,
                _ => (rng.NextDouble() - 0.3) * 1000,
            };
        }
        if (rng.Next(5) == 0)
            Array.Sort(values); // sorted and reverse-sorted inputs are the classic quickselect traps
        else if (rng.Next(5) == 0)
            Array.Sort(values, (a, b) => b.CompareTo(a));
        return values;
    }

    private static void AssertSameBits(double expected, double actual, string context)
    {
        if (double.IsNaN(expected))
            Assert.True(double.IsNaN(actual), $"{context}: expected NaN, got {actual}");
        else
            Assert.True(BitConverter.DoubleToInt64Bits(expected) == BitConverter.DoubleToInt64Bits(actual), $"{context}: expected {expected:R}, got {actual:R}");
    }

    [Property(MaxTest = 2000)]
    public void Quantile_by_selection_equals_quantile_by_sorting(int seed)
    {
        var rng = new Random(seed);
        var n = rng.Next(4) == 0 ? rng.Next(1, 5000) : rng.Next(0, 40);
        var values = RandomValues(rng, n);
        var q = rng.Next(6) switch { 0 => 0, 1 => 1, 2 => 0.99, 3 => 0.5, 4 => rng.Next(3) - 1.0 + rng.NextDouble(), _ => rng.NextDouble() };
        var copy = (double[])values.Clone();
        AssertSameBits(RangeFunctions.QuantileBySort(q, values), RangeFunctions.Quantile(q, values), $"seed {seed}, q {q}, n {n}");
        Assert.Equal(copy, values); // the window is read-only
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(1000)]
    [InlineData(100_000)]
    public void Selection_places_the_kth_smallest_with_smaller_left_and_larger_right(int n)
    {
        var rng = new Random(n);
        foreach (var shape in new[] { "random", "sorted", "reversed", "constant", "organ" })
        {
            var a = shape switch
            {
                "sorted" => Enumerable.Range(0, n).Select(i => (double)i).ToArray(),
                "reversed" => Enumerable.Range(0, n).Select(i => (double)(n - i)).ToArray(),
                "constant" => Enumerable.Repeat(7.0, n).ToArray(),
                "organ" => Enumerable.Range(0, n).Select(i => (double)Math.Min(i, n - i)).ToArray(),
                _ => Enumerable.Range(0, n).Select(_ => (double)rng.Next(n)).ToArray(),
            };
            var sorted = a.Order().ToArray();
            foreach (var k in new[] { 0, n / 2, n - 1, rng.Next(n) })
            {
                var work = (double[])a.Clone();
                RangeFunctions.Select(work, k);
                Assert.Equal(sorted[k], work[k]);
                for (var i = 0; i < k; i++)
                    Assert.True(work[i] <= work[k], $"{shape} n={n} k={k}: left {i}");
                for (var i = k + 1; i < n; i++)
                    Assert.True(work[i] >= work[k], $"{shape} n={n} k={k}: right {i}");
            }
        }
    }

    [Property(MaxTest = 500)]
    public void Sample_buffers_sort_stably_like_a_stable_sort_by_timestamp(int seed)
    {
        var rng = new Random(seed);
        // Workers fill buffers with runs (one per stream, ascending, with equal timestamps), then hand them over.
        var workers = new List<SampleBuffer>();
        var expected = new List<(long Ts, double Value)>();
        var id = 0;
        for (var w = rng.Next(1, 4); w > 0; w--)
        {
            var b = new SampleBuffer();
            for (var stream = rng.Next(0, 5); stream > 0; stream--)
            {
                var ts = rng.NextInt64(0, 1000);
                for (var i = rng.Next(0, 700); i > 0; i--)
                {
                    ts += rng.Next(3) == 0 ? 0 : rng.Next(1, 20);
                    b.Add(ts, id);
                    expected.Add((ts, id++));
                }
            }
            workers.Add(b);
        }
        using var merged = new SampleBuffer();
        foreach (var b in workers)
        {
            merged.Take(b);
            Assert.Equal(0, b.Count);
            b.Dispose();
        }
        merged.Sort();
        // The reference: a stable sort by timestamp of the samples in the order they were appended.
        var reference = expected.Select((s, i) => (s, i)).OrderBy(x => x.s.Ts).ThenBy(x => x.i).Select(x => x.s).ToArray();
        Assert.Equal(reference.Select(s => s.Ts).ToArray(), merged.Timestamps.ToArray());
        Assert.Equal(reference.Select(s => s.Value).ToArray(), merged.Values.ToArray());
    }

    [Property(MaxTest = 5000)]
    public void Simple_decimals_parse_bit_identically_to_the_general_parser(int seed)
    {
        var rng = new Random(seed);
        var sb = new StringBuilder();
        if (rng.Next(4) == 0)
            sb.Append(rng.Next(2) == 0 ? '-' : '+');
        var digits = rng.Next(0, 19);
        var dot = rng.Next(3) == 0 ? -1 : rng.Next(0, digits + 1);
        for (var i = 0; i <= digits; i++)
        {
            if (i == dot)
                sb.Append('.');
            if (i < digits)
                sb.Append((char)('0' + rng.Next(10)));
        }
        if (rng.Next(20) == 0)
            sb.Append(new[] { "e5", "x", "_1", ".", " " }[rng.Next(5)]);
        var text = sb.ToString();
        var generalOk = GoFloat.TryParse(text.AsSpan(), out var general);
        var fastOk = GoFloat.TryParseSimpleDecimal(Encoding.ASCII.GetBytes(text), out var fast);
        if (fastOk)
        {
            Assert.True(generalOk, $"'{text}' parsed by the fast path only");
            AssertSameBits(general, fast, $"'{text}'");
        }
        var bytesOk = GoFloat.TryParse(Encoding.ASCII.GetBytes(text), out var viaBytes);
        Assert.Equal(generalOk, bytesOk);
        if (generalOk)
            AssertSameBits(general, viaBytes, $"'{text}'");
    }

    [Theory]
    [InlineData("123.45")]
    [InlineData("-0")]
    [InlineData("0.1")]
    [InlineData("999999999999999")]
    [InlineData("1.")]
    [InlineData(".5")]
    [InlineData("+7")]
    [InlineData("0.000000000000001")]
    public void Typical_logged_numbers_take_the_fast_path(string text)
    {
        Assert.True(GoFloat.TryParseSimpleDecimal(Encoding.ASCII.GetBytes(text), out var v));
        AssertSameBits(double.Parse(text, CultureInfo.InvariantCulture), v, text);
    }
}
