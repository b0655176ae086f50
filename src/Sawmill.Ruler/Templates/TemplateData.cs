using Sawmill.GoCompat;

namespace Sawmill.Ruler.Templates;

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

    /// <summary>
    /// Prometheus's predeclared variables, set from the data's fields by a prefix to every alert template (as
    /// Prometheus's expander does), so <c>$labels</c>, <c>$externalLabels</c>, <c>$externalURL</c> and <c>$value</c>
    /// are known when the template is parsed.
    /// </summary>
    private const string Definitions = "{{$labels := .Labels}}{{$externalLabels := .ExternalLabels}}{{$externalURL := .ExternalURL}}{{$value := .Value}}";

    /// <summary>Parses an alert label or annotation template (Go's template engine with Prometheus's functions).</summary>
    /// <exception cref="ArgumentException">A syntax error or an unknown function.</exception>
    public static GoTemplate Parse(string text) => GoTemplate.Parse(Definitions + text, TemplateFunctions.Set);

    /// <summary>Runs a template from <see cref="Parse"/> over this data.</summary>
    /// <exception cref="TemplateException">An execution error.</exception>
    public string Expand(GoTemplate template, TemplateFunctions functions) => template.Execute(this, functions);

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
