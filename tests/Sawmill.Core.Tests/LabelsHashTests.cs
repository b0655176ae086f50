using Sawmill.Core;

namespace Sawmill.Core.Tests;

/// <summary>
/// <see cref="Labels.Hash"/> is persisted (block indexes, head lookups across restarts), so its value for a given set
/// must never change. The expected values were taken from the original streaming-hasher implementation before the
/// hash became lazy and one-shot; any change to how it is computed must keep them.
/// </summary>
public sealed class LabelsHashTests
{
    public static TheoryData<string, ulong> Pinned => new()
    {
        { "empty", 0xEF46DB3751D8E999UL },
        { "app=churn-api", 0x366A4E3A3B1F3CF6UL },
        { "app,env", 0x4BED2F6C01C373EDUL },
        { "unicode", 0x3610410CEB14BAC1UL },
        { "long", 0x787419C014D9AED5UL },
        { "huge", 0x1D33B176332A0DE8UL },
        { "many", 0x036A4447D9595726UL },
    };

    [Theory]
    [MemberData(nameof(Pinned))]
    public void Hash_of_known_sets_never_changes(string name, ulong expected)
    {
        Assert.Equal(expected, Build(name).Hash);
    }

    [Theory]
    [MemberData(nameof(Pinned))]
    public void Sets_built_from_sorted_arrays_hash_like_sets_built_from_pairs(string name, ulong expected)
    {
        var viaFrom = Build(name);
        var viaSorted = Labels.FromSorted(viaFrom.ToArray());
        Assert.Equal(expected, viaSorted.Hash);
        Assert.Equal(viaFrom, viaSorted);
        Assert.Equal(viaFrom.GetHashCode(), viaSorted.GetHashCode());
    }

    [Fact]
    public void Hash_is_the_same_when_read_from_many_threads_at_once()
    {
        for (var round = 0; round < 50; round++)
        {
            var labels = Build("many");
            var seen = new ulong[8];
            Parallel.For(0, seen.Length, i => seen[i] = labels.Hash);
            Assert.All(seen, h => Assert.Equal(0x036A4447D9595726UL, h));
        }
    }

    [Fact]
    public void Sets_that_differ_only_in_a_long_value_have_different_hashes()
    {
        var a = Labels.From(("a", new string('y', 3000)), ("b", "z"));
        var b = Labels.From(("a", new string('y', 2999) + "x"), ("b", "z"));
        Assert.NotEqual(a.Hash, b.Hash);
        Assert.NotEqual(a, b);
    }

    private static Labels Build(string name) => name switch
    {
        "empty" => Labels.Empty,
        "app=churn-api" => Labels.From(("app", "churn-api")),
        "app,env" => Labels.From(("app", "churn-api"), ("env", "prod")),
        "unicode" => Labels.From(("job", "Grüße ✓ 日本"), ("a", "")),
        "long" => Labels.From(("path", new string('x', 300)), ("level", "error"), ("status_code", "500")),
        "huge" => Labels.From(("a", new string('y', 3000)), ("b", "z")),
        "many" => Many(),
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    private static Labels Many()
    {
        var pairs = new (string, string)[40];
        for (var i = 0; i < pairs.Length; i++)
            pairs[i] = ($"name_{i:D2}", $"value-{i * 7919}");
        return Labels.From(pairs);
    }
}
