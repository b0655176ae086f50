using Sawmill.Core;

namespace Sawmill.Core.Tests;

public sealed class LabelsTests
{
    [Fact]
    public void Labels_are_sorted_and_printed_like_Loki()
    {
        var labels = Labels.From(("job", "api"), ("app", "churn \"x\""));
        Assert.Equal("{app=\"churn \\\"x\\\"\", job=\"api\"}", labels.ToString());
    }

    [Fact]
    public void Equal_sets_in_different_order_have_equal_hashes()
    {
        var a = Labels.From(("a", "1"), ("b", "2"));
        var b = Labels.From(("b", "2"), ("a", "1"));
        Assert.Equal(a, b);
        Assert.Equal(a.Hash, b.Hash);
        Assert.NotEqual(a.Hash, Labels.From(("a", "1"), ("b", "3")).Hash);
    }

    [Fact]
    public void Name_and_value_boundaries_change_the_hash()
    {
        Assert.NotEqual(Labels.From(("ab", "c")).Hash, Labels.From(("a", "bc")).Hash);
    }

    [Theory]
    [InlineData(MatchType.Equal, "api", "api", true)]
    [InlineData(MatchType.NotEqual, "api", "api", false)]
    [InlineData(MatchType.Regex, "api|web", "web", true)]
    [InlineData(MatchType.Regex, "churn-.*", "churn-api", true)]
    [InlineData(MatchType.Regex, "churn", "churn-api", false)]
    [InlineData(MatchType.NotRegex, "test-.*", "churn-api", true)]
    [InlineData(MatchType.Regex, "(?P<x>a+)b", "aab", true)]
    public void Matchers_follow_Prometheus_semantics(MatchType type, string pattern, string value, bool expected)
    {
        Assert.Equal(expected, LabelMatcher.Create(type, "l", pattern).Matches(value));
    }

    [Fact]
    public void Regex_matcher_on_missing_label_matches_empty()
    {
        Assert.True(LabelMatcher.Create(MatchType.Regex, "env", "prod|").Matches(null));
        Assert.False(LabelMatcher.Create(MatchType.Regex, "env", "prod").Matches(null));
    }

    [Fact]
    public void Backreferences_are_rejected_as_RE2_does()
    {
        Assert.Throws<ArgumentException>(() => LabelMatcher.Create(MatchType.Regex, "l", "(a)\\1"));
    }

    [Theory]
    [InlineData("fake", true)]
    [InlineData("team-a_1", true)]
    [InlineData("..", false)]
    [InlineData("a/b", false)]
    [InlineData("", false)]
    public void Tenant_ids_are_validated_like_Loki(string id, bool valid)
    {
        Assert.Equal(valid, Tenant.Validate(id) == null);
    }

    [Fact]
    public void Rfc3339_nano_trims_trailing_zeros()
    {
        Assert.Equal("2024-01-02T03:04:05.5Z", TimeNs.ToRfc3339Nano(TimeNs.FromDateTime(new DateTime(2024, 1, 2, 3, 4, 5, 500, DateTimeKind.Utc))));
        Assert.Equal("1970-01-01T00:00:01Z", TimeNs.ToRfc3339Nano(TimeNs.PerSecond));
    }
}
