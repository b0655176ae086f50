namespace Sawmill.Conformance;

/// <summary>
/// The divergences issue #14 listed (its section 3), each tied to the corpus cases that exercise it. ReplayTests runs
/// every case against a real Sawmill and fails on any answer that differs from the oracle's and is not listed in
/// known-divergences.txt; this test pins down that the cases of each listed divergence exist, have a recorded answer and
/// are not excused there, so each of them is checked for an identical answer. Where Sawmill follows Loki 3.x instead of
/// the 2.9.9 reference, the case must be listed with a [3.x] reason (docs/compat.md explains it).
/// </summary>
public sealed class IssueDivergenceTests
{
    public static TheoryData<string, string[]> Identical => new()
    {
        // A parsed key equal to a stream label becomes <key>_extracted: the filter acts on the stream's own level.
        { "json | level=\"ERROR\" filters on the stream label", ["parse-0003", "parse-0029", "dropkeep-0017"] },
        { "logfmt makes no label of an empty value unless --keep-empty", ["parse-0030", "parse-0031", "parse-0032", "parse-0033"] },
        { "unwrap removes the unwrapped label from the series", ["unwrap-0001", "unwrap-0002", "unwrap-0003"] },
        { "unpack sets labels only for packed (_entry) objects", ["parse-0071", "parse-0072", "parse-0073"] },
        { "keep and drop with stream labels and _extracted labels", ["dropkeep-0001", "dropkeep-0017", "dropkeep-0018"] },
        { "|= ip(...) and != ip(...) line filters", ["line-0135", "line-0136", "line-0137", "line-0138"] },
        { "... or vector(0)", ["vector-0224", "vector-0225", "vector-0227", "binary-0056"] },
        { "rate_counter", ["unwrap-0073", "unwrap-0074", "unwrap-0075"] },
        { "bytes_over_time after line_format", ["range-0080"] },
        { "quantile_over_time with a negative literal is a parse error", ["invalid-0044"] },
        { "sum by (__error__) over a failing parser is an answer", ["lfilter-0058", "lfilter-0060", "lfilter-0062"] },
        { "parse error positions as Loki counts them", ["invalid-0001", "invalid-0002", "binary-0048", "dropkeep-0050"] },
        { "multiple matches for labels (many-to-many and implicit many-to-one)", ["binary-0031", "binary-0032", "binary-0037", "binary-0038"] },
        { "the pattern parser's invalid pattern texts", ["invalid-0021", "invalid-0022", "invalid-0023", "invalid-0024", "invalid-0025"] },
        { "metric range queries aligned to the step when queries are split", ["step-0039", "step-0040", "step-0041", "step-0042"] },
        { "metric range queries at start + k*step when they are not", ["step-0001", "step-0003", "step-0004", "step-0008"] },
        { "/loki/api/v1/format_query is routed and formats as Loki", ["fmtq-0001", "fmtq-0002", "fmtq-0008"] },
        { "a snappy protobuf push with trailing bytes is refused", ["push-0046"] },
    };

    public static TheoryData<string, string[]> FollowLoki3 => new()
    {
        // Loki 2.9 printed an empty grouping away before its querier ran the query, so without () acted as by ();
        // Loki 3 prints and honours it (all labels kept). The issue listed "max without ()" as a 2.9 rule.
        { "max without () keeps the labels", ["binary-0060", "binary-0061", "vector-0020"] },
        // Loki 3 renames a parsed key that equals a structured-metadata key, and keeps a key's first value.
        { "_extracted for structured-metadata keys; first value wins", ["v3-0001", "v3-0004", "v3-0005"] },
    };

    [Theory]
    [MemberData(nameof(Identical))]
    public void Cases_of_the_divergence_are_recorded_and_not_excused(string divergence, string[] ids)
    {
        var corpus = Corpus.FromTestOutput();
        var golden = corpus.LoadGolden();
        var known = corpus.LoadKnownDivergences();
        foreach (var id in ids)
        {
            Assert.True(corpus.Cases.Any(c => c.Id == id), $"{divergence}: no case {id} in the corpus");
            Assert.True(golden.ContainsKey(id), $"{divergence}: no golden answer for {id}");
            Assert.False(known.ContainsKey(id), $"{divergence}: {id} is excused in known-divergences.txt ({(known.TryGetValue(id, out var r) ? r : "")})");
        }
    }

    [Theory]
    [MemberData(nameof(FollowLoki3))]
    public void Cases_where_Loki_3_answers_otherwise_are_listed_as_such(string divergence, string[] ids)
    {
        var corpus = Corpus.FromTestOutput();
        var known = corpus.LoadKnownDivergences();
        foreach (var id in ids)
            Assert.True(known.TryGetValue(id, out var reason) && reason.StartsWith("[3.x]", StringComparison.Ordinal),
                $"{divergence}: {id} should be listed with a [3.x] reason");
    }
}
