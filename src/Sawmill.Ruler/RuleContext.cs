using Sawmill.Ruler.Templates;

namespace Sawmill.Ruler;

/// <summary>What templates may see beyond the sample: external labels and URL, and the functions (with <c>query</c>).</summary>
public sealed record RuleContext
{
    public IReadOnlyDictionary<string, string> ExternalLabels { get; init; } = new Dictionary<string, string>();
    public string ExternalUrl { get; init; } = "";
    internal TemplateFunctions Functions { get; init; } = TemplateFunctions.Default;

    public static readonly RuleContext Default = new();
}
