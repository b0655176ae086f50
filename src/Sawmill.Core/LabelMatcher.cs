using System.Text.RegularExpressions;
using Sawmill.GoCompat;

namespace Sawmill.Core;

/// <summary>
/// A stream selector matcher such as <c>app=~"api|web"</c>. A missing label matches as the empty
/// string, as in Prometheus and Loki. Regexes are fully anchored and follow RE2 (see <see cref="Re2"/>).
/// Immutable and thread-safe.
/// </summary>
public sealed class LabelMatcher : IEquatable<LabelMatcher>
{
    private readonly Regex? _regex;
    private readonly string[]? _literalSet;

    private LabelMatcher(MatchType type, string name, string value, Regex? regex, string[]? literalSet)
    {
        Type = type;
        Name = name;
        Value = value;
        _regex = regex;
        _literalSet = literalSet;
    }

    public MatchType Type { get; }
    public string Name { get; }
    public string Value { get; }

    /// <summary>Creates a matcher; throws <see cref="ArgumentException"/> with RE2-style text on a bad regex.</summary>
    public static LabelMatcher Create(MatchType type, string name, string value)
    {
        Regex? regex = null;
        string[]? set = null;
        if (type is MatchType.Regex or MatchType.NotRegex)
        {
            set = Re2.TryLiteralAlternation(value);
            if (set == null)
                regex = Re2.Compile(value, anchored: true);
        }
        return new LabelMatcher(type, name, value, regex, set);
    }

    public static LabelMatcher Equal(string name, string value) => Create(MatchType.Equal, name, value);

    public bool Matches(string? value)
    {
        value ??= "";
        return Type switch
        {
            MatchType.Equal => value == Value,
            MatchType.NotEqual => value != Value,
            MatchType.Regex => RegexMatches(value),
            MatchType.NotRegex => !RegexMatches(value),
            _ => false,
        };
    }

    /// <summary>True when the matcher accepts the empty string (and therefore streams that lack the label).</summary>
    public bool MatchesEmpty => Matches("");

    /// <summary>When the regex is a plain alternation of literals (<c>a|b|c</c>), the literals; otherwise null.</summary>
    public IReadOnlyList<string>? LiteralSet => _literalSet;

    private bool RegexMatches(string value)
    {
        if (_literalSet != null)
        {
            foreach (var s in _literalSet)
                if (s == value)
                    return true;
            return false;
        }
        return _regex!.IsMatch(value);
    }

    public override string ToString()
    {
        var op = Type switch
        {
            MatchType.Equal => "=",
            MatchType.NotEqual => "!=",
            MatchType.Regex => "=~",
            _ => "!~",
        };
        return Name + op + GoQuote.Quote(Value);
    }

    public bool Equals(LabelMatcher? other) =>
        other is not null && other.Type == Type && other.Name == Name && other.Value == Value;

    public override bool Equals(object? obj) => obj is LabelMatcher m && Equals(m);

    public override int GetHashCode() => HashCode.Combine(Type, Name, Value);
}
