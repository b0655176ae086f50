namespace Sawmill.Core;

/// <summary>What the engine asks storage for: the streams of one tenant that match, over a time range.</summary>
public sealed record SelectRequest
{
    public required string Tenant { get; init; }

    /// <summary>Stream selector matchers; at least one of them does not match the empty string.</summary>
    public required IReadOnlyList<LabelMatcher> Matchers { get; init; }

    /// <summary>Inclusive start, Unix nanoseconds.</summary>
    public required long StartNs { get; init; }

    /// <summary>Exclusive end, Unix nanoseconds.</summary>
    public required long EndNs { get; init; }

    public Direction Direction { get; init; } = Direction.Forward;

    public EntryFields Fields { get; init; } = EntryFields.All;

    /// <summary>Optional pushed-down line filter; storage returns only lines it accepts.</summary>
    public ILineFilter? LineFilter { get; init; }

    /// <summary>
    /// Conditions the query's pipeline implies for every entry it keeps (see <see cref="ImpliedCondition"/>): storage may
    /// drop entries and skip blocks that cannot satisfy them. Entries that may satisfy them are returned as usual.
    /// </summary>
    public IReadOnlyList<ImpliedCondition> Implied { get; init; } = [];

    /// <summary>Counters storage adds to while it reads (for the query <c>stats</c> block). Thread-safe.</summary>
    public QueryStatistics Statistics { get; init; } = new();
}
