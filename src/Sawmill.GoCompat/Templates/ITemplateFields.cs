namespace Sawmill.GoCompat;

/// <summary>A template value whose fields are read with <c>.Name</c>, like a Go struct's (e.g. Prometheus's <c>.Labels</c>, <c>.Value</c>).</summary>
public interface ITemplateFields
{
    bool TryGetField(string name, out object? value);
}

/// <summary>
/// A Go <c>map[string]string</c> as template data (Loki's label map, Promtail's extracted values): <c>.key</c> reads a
/// missing key as "" (<c>missingkey=zero</c>), <c>range</c> visits keys in order, and it prints as <c>map[k:v …]</c>.
/// </summary>
public interface ITemplateMap
{
    string? Get(string key);

    /// <summary>The entries in ascending key order.</summary>
    IEnumerable<KeyValuePair<string, string>> Entries();

    int Count { get; }
}
