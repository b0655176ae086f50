using System.Text;
using Sawmill.Core;
using Sawmill.Storage.Chunks;

namespace Sawmill.Storage.Query;

/// <summary>
/// What a read can check before decoding, compiled once per request (<see cref="For"/>): the substrings every line the
/// pushed-down filter accepts contains, and the request's <see cref="ImpliedCondition"/>s, each with the token keys it
/// needs (<see cref="TokenKeys.Needle"/>). <see cref="ForStream"/> picks the conditions that hold for a stream. Chunks
/// are then skipped by their trigram filter, blocks by their token filters, and lines that cannot satisfy an implied
/// condition are dropped before the engine sees them. Immutable; thread-safe.
/// </summary>
internal sealed class SearchPlan
{
    private readonly Condition[] _exact;
    private readonly (ImpliedCondition Source, Condition Compiled)[] _implied;
    private readonly BlockSearch? _all;

    private SearchPlan(Condition[] exact, (ImpliedCondition, Condition)[] implied)
    {
        _exact = exact;
        _implied = implied;
        if (implied.All(c => c.Item1.Label == null))
            _all = BlockSearch.Create([.. exact, .. implied.Select(c => c.Item2)]);
    }

    /// <summary>The plan of a request; null when it has nothing to check.</summary>
    public static SearchPlan? For(SelectRequest request)
    {
        var exact = request.LineFilter?.RequiredSubstrings.Where(n => n.Length > 0)
            .Select(n => new Condition(n, TokenKeys.Needle(n, bounded: false), Trigrams: true, Line: false, Json: false, EscapesPass: false, null, 0))
            .ToArray() ?? [];
        var implied = request.Implied.Select(c => (c, Compile(c))).ToArray();
        return exact.Length == 0 && implied.Length == 0 ? null : new SearchPlan(exact, implied);
    }

    private static Condition Compile(ImpliedCondition c)
    {
        var text = c.Text is { Length: > 0 } t ? t : null;
        return new Condition(text, text == null ? [] : TokenKeys.Needle(text, c.TextBounded),
            // Escaped spellings of the text have other trigrams, and metadata may supply the label: then the chunk's
            // trigram filter cannot rule the text out.
            Trigrams: text != null && !c.EscapesPass && c.Label == null, Line: true, c.JsonObject, c.EscapesPass,
            c.Label, c.Label == null ? 0 : TokenKeys.MetadataName(c.Label));
    }

    /// <summary>What to check for the stream <paramref name="labels"/>; null when nothing applies to it.</summary>
    public BlockSearch? ForStream(Labels labels)
    {
        if (_all != null)
            return _all;
        var list = new List<Condition>(_exact);
        foreach (var (source, compiled) in _implied)
            if (source.Label == null || labels.Get(source.Label) == null)
                list.Add(compiled);
        return BlockSearch.Create(list);
    }
}

/// <param name="Text">Bytes the line contains (null: no text part).</param>
/// <param name="Keys">Alternatives of token keys a block holding such a line has (<see cref="TokenKeys.Needle"/>).</param>
/// <param name="Trigrams">The chunk's trigram filter may rule the text out.</param>
/// <param name="Line">Lines are checked one by one (implied conditions; the exact filter checks its own).</param>
/// <param name="Label">An entry whose structured metadata has this label satisfies the condition (<paramref name="LabelKey"/>: its token-filter key).</param>
internal sealed record Condition(byte[]? Text, List<ulong[]> Keys, bool Trigrams, bool Line, bool Json, bool EscapesPass, string? Label, ulong LabelKey);

/// <summary>The conditions that hold for one stream's entries, tested against chunks, blocks and lines. Immutable; thread-safe.</summary>
internal sealed class BlockSearch
{
    private readonly Condition[] _conditions;

    private BlockSearch(Condition[] conditions)
    {
        _conditions = conditions;
        ChecksLines = conditions.Any(c => c.Line);
    }

    public static BlockSearch? Create(IReadOnlyList<Condition> conditions) => conditions.Count == 0 ? null : new BlockSearch([.. conditions]);

    /// <summary>Some condition must be tested line by line (<see cref="LineMayMatch"/>).</summary>
    public bool ChecksLines { get; }

    /// <summary>False when a chunk's trigram filter (in its header bytes) proves some condition fails for every line.</summary>
    public bool ChunkMayMatch(ChunkHeader header, ReadOnlySpan<byte> headerBytes)
    {
        foreach (var c in _conditions)
            if (c.Trigrams && !header.TrigramsMayContain(headerBytes, c.Text))
                return false;
        return true;
    }

    /// <summary>False when a chunk held in memory can be skipped by its trigram filter.</summary>
    public bool ChunkMayMatch(Chunk chunk)
    {
        if (chunk.Filter == null)
            return true;
        foreach (var c in _conditions)
            if (c.Trigrams && !chunk.Filter.MayContainSubstring(c.Text))
                return false;
        return true;
    }

    /// <summary>
    /// False when the block's token filter proves some condition fails for every entry. <paramref name="filter"/> empty:
    /// the block has no filter and may match. <paramref name="hasMetadata"/>: some entry has structured metadata.
    /// </summary>
    public bool BlockMayMatch(ReadOnlySpan<byte> filter, bool hasMetadata)
    {
        if (filter.IsEmpty)
            return true;
        foreach (var c in _conditions)
        {
            if (c.Label != null && hasMetadata && TokenFilter.MayContain(filter, c.LabelKey))
                continue;
            if (c.Json && !TokenKeys.MarkerMayBeIn(filter, TokenKeys.JsonObjectMarker))
                return false;
            if (c.Text != null && !KeysMayMatch(c.Keys, filter) && !(c.EscapesPass && TokenKeys.MarkerMayBeIn(filter, TokenKeys.BackslashMarker)))
                return false;
        }
        return true;
    }

    private static bool KeysMayMatch(List<ulong[]> alternatives, ReadOnlySpan<byte> filter)
    {
        if (alternatives.Count == 0)
            return true;
        foreach (var keys in alternatives)
        {
            var all = true;
            foreach (var k in keys)
            {
                if (!TokenFilter.MayContain(filter, k))
                {
                    all = false;
                    break;
                }
            }
            if (all)
                return true;
        }
        return false;
    }

    /// <summary>
    /// False when the line cannot satisfy some implied condition. <paramref name="metadata"/>: the entry's structured
    /// metadata; <paramref name="metadataUnknown"/>: it was not decoded but the block has some (any label may be there).
    /// </summary>
    public bool LineMayMatch(ReadOnlySpan<byte> line, Label[]? metadata, bool metadataUnknown)
    {
        foreach (var c in _conditions)
        {
            if (!c.Line || c.Label != null && (metadataUnknown || Has(metadata, c.Label)))
                continue;
            if (c.Json && !IsJsonObject(line))
                return false;
            if (c.Text != null && line.IndexOf(c.Text) < 0 && !(c.EscapesPass && line.Contains((byte)'\\')))
                return false;
        }
        return true;
    }

    private static bool Has(Label[]? metadata, string name)
    {
        if (metadata == null)
            return false;
        foreach (var l in metadata)
            if (l.Name == name)
                return true;
        return false;
    }

    /// <summary>The line's first byte after JSON whitespace is <c>{</c> (what Loki's and Sawmill's json parsers require).</summary>
    public static bool IsJsonObject(ReadOnlySpan<byte> line)
    {
        var i = 0;
        while (i < line.Length && line[i] is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n')
            i++;
        return i < line.Length && line[i] == '{';
    }

    public override string ToString() => string.Join(" ∧ ", _conditions.Select(c => (c.Json ? "json " : "") + (c.Text == null ? "" : '"' + Encoding.UTF8.GetString(c.Text) + '"')));
}
