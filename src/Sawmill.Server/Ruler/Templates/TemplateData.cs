namespace Sawmill.Server.Ruler.Templates;

/// <summary>
/// The data Prometheus gives alert templates: <c>.Labels</c>, <c>.ExternalLabels</c>, <c>.ExternalURL</c>,
/// <c>.Value</c>; the same are predeclared as <c>$labels</c>, <c>$externalLabels</c>, <c>$externalURL</c>, <c>$value</c>.
/// </summary>
internal sealed class TemplateData(IReadOnlyDictionary<string, string> labels, IReadOnlyDictionary<string, string> externalLabels, string externalUrl, double value) : ITemplateFields
{
    public IReadOnlyDictionary<string, string> Labels { get; } = labels;
    public IReadOnlyDictionary<string, string> ExternalLabels { get; } = externalLabels;
    public string ExternalUrl { get; } = externalUrl;
    public double Value { get; } = value;

    public IReadOnlyDictionary<string, object?> Variables => new Dictionary<string, object?>
    {
        ["$labels"] = Labels,
        ["$externalLabels"] = ExternalLabels,
        ["$externalURL"] = ExternalUrl,
        ["$value"] = Value,
    };

    public bool TryGetField(string name, out object? value)
    {
        value = name switch
        {
            "Labels" => Labels,
            "ExternalLabels" => ExternalLabels,
            "ExternalURL" => ExternalUrl,
            "Value" => Value,
            _ => null,
        };
        return name is "Labels" or "ExternalLabels" or "ExternalURL" or "Value";
    }
}
