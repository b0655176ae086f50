using FsCheck.Xunit;
using Sawmill.LogQL.Log;

namespace Sawmill.LogQL.Tests.Log;

/// <summary>
/// <see cref="QuoteIndex.StringEnd"/> (bitmaps built 64 bytes at a time) must answer exactly as
/// <see cref="JsonScanner.StringEnd"/> (a vector search per call) from every start position, on lines of random
/// quotes, backslashes and text across block boundaries, in the order a parser asks (ascending starts) and out of it.
/// </summary>
public sealed class QuoteIndexTests
{
    private static readonly byte[] Alphabet = "\"\"\\ab{}:,é"u8.ToArray();

    [Property(MaxTest = 1000)]
    public void String_ends_equal_the_vector_search(int seed)
    {
        var rng = new Random(seed);
        var line = new byte[rng.Next(0, 300)];
        var density = rng.Next(1, 40); // 1 in density bytes is special
        for (var i = 0; i < line.Length; i++)
            line[i] = rng.Next(density) == 0 ? Alphabet[rng.Next(Alphabet.Length)] : (byte)('a' + rng.Next(26));
        var index = new QuoteIndex();
        // A previous, longer line must leave nothing behind.
        index.Reset(400);
        index.StringEnd(new byte[400], 0, out _);
        index.Reset(line.Length);
        var starts = Enumerable.Range(0, line.Length + 1).ToList();
        if (rng.Next(2) == 0)
            starts = starts.OrderBy(_ => rng.Next()).ToList();
        foreach (var start in starts)
        {
            var expected = JsonScanner.StringEnd(line, start, out var expectedEscaped);
            var actual = index.StringEnd(line, start, out var actualEscaped);
            Assert.True(expected == actual, $"seed {seed}, start {start}: expected {expected}, got {actual}");
            if (expected >= 0)
                Assert.Equal(expectedEscaped, actualEscaped);
        }
    }

    [Theory]
    [InlineData(63)]
    [InlineData(64)]
    [InlineData(65)]
    [InlineData(127)]
    [InlineData(128)]
    public void Quotes_and_escapes_at_block_edges_are_found(int at)
    {
        var line = Enumerable.Repeat((byte)'x', 200).ToArray();
        line[at] = (byte)'"';
        var index = new QuoteIndex();
        index.Reset(line.Length);
        Assert.Equal(at, index.StringEnd(line, 0, out var escaped));
        Assert.False(escaped);
        line[at - 1] = (byte)'\\'; // now escaped: no closing quote at all
        index.Reset(line.Length);
        Assert.Equal(-1, index.StringEnd(line, 0, out _));
        line[at + 2] = (byte)'"';
        index.Reset(line.Length);
        Assert.Equal(at + 2, index.StringEnd(line, 0, out escaped));
        Assert.True(escaped);
    }
}
