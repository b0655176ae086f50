using Sawmill.Core;

namespace Sawmill.Core.Tests;

public sealed class UnitsTests
{
    [Theory]
    [InlineData("20MB", 20_000_000d)]
    [InlineData("20MiB", 20_971_520d)]
    [InlineData("1.5KB", 1500d)]
    [InlineData("42", 42d)]
    public void Byte_sizes_parse_like_humanize(string text, double bytes)
    {
        Assert.True(ByteSize.TryParse(text, out var v));
        Assert.Equal(bytes, v);
    }
}
