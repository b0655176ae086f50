using System.Text;
using Sawmill.LogQL.Log;

namespace Sawmill.LogQL.Tests.Log;

public sealed class Utf8InternerTests
{
    [Fact]
    public void Values_of_every_length_come_back_exact_and_recurring_ones_as_one_instance()
    {
        var interner = new Utf8Interner();
        var rng = new Random(3);
        for (var round = 0; round < 3; round++)
        {
            for (var length = 1; length <= 70; length++)
            {
                // Values that differ only in the middle share their first and last 8 bytes (the slot hash's input).
                var middle = new string((char)('a' + rng.Next(26)), Math.Max(0, length - 2));
                var text = length == 1 ? "x" : "<" + middle + ">";
                var bytes = Encoding.UTF8.GetBytes(text);
                var first = interner.Get(bytes);
                Assert.Equal(text, first);
                var again = interner.Get(bytes);
                Assert.Equal(text, again);
                // A slot whose value recurred keeps it once against a newcomer (second chance): by the third
                // request in a row the newcomer owns the slot.
                var third = interner.Get(bytes);
                if (length <= 64)
                    Assert.Same(again, third);
            }
        }
        Assert.Equal("", interner.Get([]));
        Assert.Equal("é✓", interner.Get("é✓"u8));
    }
}
