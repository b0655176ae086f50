using System.Text.RegularExpressions;
using Sawmill.Commands;

namespace Sawmill.Tests.Bench;

/// <summary>The data set behind issue 16's figures: what <c>sawmill bench search</c> checks must really be in it.</summary>
public sealed class MixGeneratorTests
{
    private const int Streams = 30;
    private const long PerStream = 2000;

    private static IEnumerable<(int Stream, long Line, string Text)> All(int seed = 1)
    {
        var g = new MixGenerator(seed, Streams, PerStream);
        for (var s = 0; s < Streams; s++)
            for (var n = 0; n < PerStream; n++)
                yield return (s, n, g.Line(s, n, 1_765_000_000_123_456_789 + n * 1_000_000L));
    }

    [Fact]
    public void The_phrase_and_the_known_ids_are_where_the_search_expects_them_and_nowhere_else()
    {
        var lines = All().ToList();
        Assert.Equal(MixGenerator.PhraseHits, lines.Count(l => l.Text.Contains(MixGenerator.Phrase, StringComparison.Ordinal)));
        // Each of the phrase's words occurs only in the planted lines, so the phrase is rare word by word too.
        foreach (var word in MixGenerator.Phrase.Split(' '))
            Assert.Equal(MixGenerator.PhraseHits, lines.Count(l => Regex.IsMatch(l.Text, $@"\b{word}\b")));
        Assert.Single(lines, l => l.Text.Contains(MixGenerator.KnownRequestId, StringComparison.Ordinal));
        Assert.Single(lines, l => l.Text.Contains(MixGenerator.KnownTraceId, StringComparison.Ordinal));
        var g = new MixGenerator(1, Streams, PerStream);
        Assert.Contains(MixGenerator.KnownRequestId, lines.Single(l => (l.Stream, l.Line) == g.KnownRequestAt).Text, StringComparison.Ordinal);
        Assert.Equal("json", MixGenerator.StreamLabels(g.KnownRequestAt.Stream).Get("format"));
        Assert.Equal("logfmt", MixGenerator.StreamLabels(g.KnownTraceAt.Stream).Get("format"));
    }

    [Fact]
    public void Ids_are_unique_per_line_and_lines_are_deterministic()
    {
        var lines = All().ToList();
        var uuids = lines.SelectMany(l => Regex.Matches(l.Text, "[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}").Select(m => m.Value)).ToList();
        Assert.Equal(uuids.Count, uuids.Distinct().Count());
        Assert.True(uuids.Count >= lines.Count * 2 / 3 - 1);
        Assert.Equal(lines.Select(l => l.Text), All().Select(l => l.Text));
        Assert.NotEqual(lines.Select(l => l.Text), All(seed: 2).Select(l => l.Text));
    }

    [Fact]
    public void Streams_are_a_third_each_json_logfmt_and_plain()
    {
        var formats = Enumerable.Range(0, Streams).Select(s => MixGenerator.StreamLabels(s).Get("format")).ToList();
        Assert.Equal(Streams / 3, formats.Count(f => f == "json"));
        Assert.Equal(Streams / 3, formats.Count(f => f == "logfmt"));
        Assert.Equal(Streams / 3, formats.Count(f => f == "plain"));
        foreach (var (s, _, text) in All().Where(l => l.Line < 5))
        {
            var format = MixGenerator.StreamLabels(s).Get("format");
            if (format == "json")
                System.Text.Json.JsonDocument.Parse(text).Dispose();
            else if (format == "logfmt")
                Assert.StartsWith("ts=", text, StringComparison.Ordinal);
        }
    }
}
