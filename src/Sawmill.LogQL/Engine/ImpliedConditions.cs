using System.Text;
using Sawmill.Core;
using Sawmill.LogQL.Log;

namespace Sawmill.LogQL.Engine;

/// <summary>
/// Derives the <see cref="ImpliedCondition"/>s of a pipeline: what every entry it keeps must satisfy, so that storage can
/// skip blocks (token filters) and drop lines before the parsers run. Only what Loki's semantics guarantee is derived:
/// <list type="bullet">
/// <item>after one <c>| json</c> (no parameters) or <c>| logfmt</c>, a label filter <c>name="X"</c> (X not empty, as a
/// conjunct of its stage) keeps only entries whose label equals X. Unless a stream label or the entry's structured
/// metadata supplies that label (a parser writes <c>name_extracted</c> then), the value came from the line: a JSON string
/// or number, or a logfmt value, stands in the line between separators as written, or spelled with backslash escapes —
/// so the line contains X or a backslash (and, for json, is a JSON object). Where a parser rewrites bytes instead of
/// copying them (logfmt turns invalid UTF-8 into spaces) only what survives is required;</item>
/// <item><c>| json … | unwrap name</c> samples only entries whose label is present and not empty: unless a stream label or
/// metadata supplies it, the line is a JSON object;</item>
/// <item>line filters after the first stage that is not one (the leading ones are pushed down exactly) keep only lines
/// holding their required substrings, up to the first stage that may change the line.</item>
/// </list>
/// Numeric and other label filters imply nothing (Loki's numeric filters keep entries that already carry an error, such
/// as a line the json parser could not read; a number equal to 503 may be written 5.03e2). The analysis stops at the
/// first stage it does not know to keep labels and line as they are (a second parser, label_format, drop, keep,
/// line_format, decolorize, unpack, regexp, pattern). Stateless.
/// </summary>
internal static class ImpliedConditions
{
    private enum Parser
    {
        None,
        Json,
        Logfmt,
    }

    /// <param name="stages">The compiled stages, in query order.</param>
    /// <param name="unwrapLabel">The label a range aggregation unwraps, or null.</param>
    public static IReadOnlyList<ImpliedCondition> Of(IReadOnlyList<Stage> stages, string? unwrapLabel)
    {
        var result = new List<ImpliedCondition>();
        var parser = Parser.None;
        var leading = true;
        var complete = true;
        foreach (var stage in stages)
        {
            switch (stage)
            {
                case LineFilterStage lf:
                    if (!leading)
                        foreach (var needle in lf.Filter.RequiredSubstrings)
                            if (needle.Length > 0)
                                result.Add(new ImpliedCondition { Text = needle });
                    continue;
                case JsonParserStage when parser == Parser.None:
                    parser = Parser.Json;
                    break;
                case LogfmtParserStage when parser == Parser.None:
                    parser = Parser.Logfmt;
                    break;
                case LabelFilterStage lfs:
                    if (parser != Parser.None)
                        foreach (var conjunct in Conjuncts(lfs.Filter))
                            result.AddRange(FromEquality(conjunct, parser));
                    break;
                default:
                    complete = false;
                    break;
            }
            leading = false;
            if (!complete)
                break;
        }
        if (complete && unwrapLabel != null && parser == Parser.Json && !IsReserved(unwrapLabel))
            result.Add(new ImpliedCondition { Label = unwrapLabel, JsonObject = true });
        return result;
    }

    private static IEnumerable<LabelFilter> Conjuncts(LabelFilter f)
    {
        if (f is AndLabelFilter and)
        {
            foreach (var c in Conjuncts(and.Left))
                yield return c;
            foreach (var c in Conjuncts(and.Right))
                yield return c;
        }
        else
        {
            yield return f;
        }
    }

    private static IEnumerable<ImpliedCondition> FromEquality(LabelFilter f, Parser parser)
    {
        if (f is not StringLabelFilter { Matcher: { Type: MatchType.Equal, Value.Length: > 0 } m } || IsReserved(m.Name))
            yield break;
        var json = parser == Parser.Json;
        // Parsers copy a value's bytes, except invalid UTF-8: json drops such a value (""), logfmt turns each bad byte
        // (and U+FFFD) into a space. So a logfmt value's space may stand for a bad byte: only the runs between spaces
        // are certainly in the line, wherever the bad bytes were.
        if (m.Value.Contains('\uFFFD', StringComparison.Ordinal))
        {
            yield return new ImpliedCondition { Label = m.Name, JsonObject = json };
            yield break;
        }
        if (json || !m.Value.Contains(' ', StringComparison.Ordinal))
        {
            yield return new ImpliedCondition { Label = m.Name, JsonObject = json, Text = Encoding.UTF8.GetBytes(m.Value), TextBounded = true, EscapesPass = true };
            yield break;
        }
        foreach (var part in m.Value.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            yield return new ImpliedCondition { Label = m.Name, Text = Encoding.UTF8.GetBytes(part), EscapesPass = true };
    }

    /// <summary><c>__error__</c>, <c>__error_details__</c> and the like are set by the engine, not by a parser.</summary>
    private static bool IsReserved(string name) => name.StartsWith("__", StringComparison.Ordinal);
}
