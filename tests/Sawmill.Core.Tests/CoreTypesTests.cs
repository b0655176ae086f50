using Sawmill.Core;

namespace Sawmill.Core.Tests;

public sealed class LabelMatcherTests
{
    [Theory]
    [InlineData(MatchType.Equal, "api", "api", true)]
    [InlineData(MatchType.Equal, "api", "web", false)]
    [InlineData(MatchType.NotEqual, "api", "web", true)]
    [InlineData(MatchType.Regex, "a.+", "api", true)]
    [InlineData(MatchType.Regex, "a.+", "xapi", false)] // anchored, as Prometheus and Loki anchor label regexes
    [InlineData(MatchType.Regex, "api|web", "web", true)]
    [InlineData(MatchType.NotRegex, "api|web", "db", true)]
    [InlineData(MatchType.Regex, "(?i)API", "api", true)]
    public void Matchers_match_like_Prometheus(MatchType type, string value, string input, bool expected) =>
        Assert.Equal(expected, LabelMatcher.Create(type, "app", value).Matches(input));

    [Fact]
    public void A_missing_label_is_the_empty_string()
    {
        Assert.True(LabelMatcher.Create(MatchType.Equal, "app", "").Matches(null));
        Assert.True(LabelMatcher.Create(MatchType.Regex, "app", ".*").MatchesEmpty);
        Assert.False(LabelMatcher.Create(MatchType.Regex, "app", ".+").MatchesEmpty);
    }

    [Fact]
    public void Plain_alternations_are_matched_as_a_literal_set()
    {
        Assert.Equal(["a", "b", "c"], LabelMatcher.Create(MatchType.Regex, "x", "a|b|c").LiteralSet!);
        Assert.Null(LabelMatcher.Create(MatchType.Regex, "x", "a.|b").LiteralSet);
    }

    [Fact]
    public void A_bad_regex_is_an_argument_error_and_matchers_print_as_in_LogQL()
    {
        Assert.ThrowsAny<ArgumentException>(() => LabelMatcher.Create(MatchType.Regex, "x", "("));
        Assert.Equal("app=~\"a.+\"", LabelMatcher.Create(MatchType.Regex, "app", "a.+").ToString());
        Assert.Equal(LabelMatcher.Equal("a", "b"), LabelMatcher.Create(MatchType.Equal, "a", "b"));
    }
}

public sealed class TenantTests
{
    [Theory]
    [InlineData("fake")]
    [InlineData("team-a_b.c!*'()")]
    public void Lokis_allowed_characters_pass(string id) => Assert.Null(Tenant.Validate(id));

    [Theory]
    [InlineData("", "tenant ID is empty")]
    [InlineData(".", "tenant ID is '.' or '..'")]
    [InlineData("..", "tenant ID is '.' or '..'")]
    [InlineData("a/b", "tenant ID 'a/b' contains unsupported character '/'")]
    [InlineData("a b", "tenant ID 'a b' contains unsupported character ' '")]
    public void Others_are_refused_with_lokis_text(string id, string error) => Assert.Equal(error, Tenant.Validate(id));

    [Fact]
    public void Ids_longer_than_150_characters_are_refused()
    {
        Assert.Null(Tenant.Validate(new string('a', 150)));
        Assert.Equal("tenant ID is too long: max 150 characters", Tenant.Validate(new string('a', 151)));
    }
}

public sealed class TimeNsTests
{
    [Theory]
    [InlineData(0L, "1970-01-01T00:00:00Z")]
    [InlineData(1_700_000_000_123_456_789L, "2023-11-14T22:13:20.123456789Z")]
    [InlineData(1_700_000_000_100_000_000L, "2023-11-14T22:13:20.1Z")]
    [InlineData(-1L, "1969-12-31T23:59:59.999999999Z")]
    public void Rfc3339Nano_prints_like_go(long ns, string text) => Assert.Equal(text, TimeNs.ToRfc3339Nano(ns));

    [Fact]
    public void Date_times_round_trip_at_tick_precision()
    {
        var t = new DateTime(2026, 12, 7, 1, 2, 3, DateTimeKind.Utc).AddTicks(4567);
        Assert.Equal(t, TimeNs.ToDateTime(TimeNs.FromDateTime(t)));
        Assert.InRange(TimeNs.Now(), TimeNs.FromDateTime(DateTime.UtcNow.AddMinutes(-1)), TimeNs.FromDateTime(DateTime.UtcNow.AddMinutes(1)));
    }
}

public sealed class LabelsBuilderTests
{
    [Fact]
    public void Set_delete_and_build_give_a_sorted_label_set()
    {
        var b = new LabelsBuilder(Labels.From(("b", "2"), ("a", "1")));
        b.Set("c", "3").Delete("a").Set("b", "two");
        Assert.Equal("two", b.Get("b"));
        Assert.Null(b.Get("a"));
        Assert.Equal(Labels.From(("b", "two"), ("c", "3")), b.Build());
        Assert.Equal(Labels.From(("z", "1")), b.Reset(Labels.From(("z", "1"))).Build());
    }
}

public sealed class QueryStatisticsTests
{
    [Fact]
    public void Counters_add_up_from_many_threads()
    {
        var s = new QueryStatistics();
        Parallel.For(0, 1000, _ =>
        {
            s.AddDecompressed(10, 1);
            s.AddChunksTouched(1);
        });
        Assert.Equal(10_000, s.DecompressedBytes);
        Assert.Equal(1000, s.DecompressedLines);
        Assert.Equal(1000, s.ChunksTouched);
    }

    [Fact]
    public void Warnings_are_distinct_in_order_and_capped()
    {
        var s = new QueryStatistics();
        s.AddWarning("b");
        s.AddWarning("a");
        s.AddWarning("b");
        Assert.Equal(["b", "a"], s.Warnings);
        for (var i = 0; i < 50; i++)
            s.AddWarning("w" + i);
        Assert.Equal(20, s.Warnings.Count);
    }
}
