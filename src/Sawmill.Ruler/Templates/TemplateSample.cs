using Sawmill.LogQL.Log;
using Sawmill.GoCompat;

namespace Sawmill.Ruler.Templates;

/// <summary>One sample of a <c>query</c> template function result: <c>.Labels</c> and <c>.Value</c> as in Prometheus.</summary>
internal sealed class TemplateSample(IReadOnlyDictionary<string, string> labels, double value) : ITemplateFields
{
    public IReadOnlyDictionary<string, string> Labels { get; } = labels;
    public double Value { get; } = value;

    public bool TryGetField(string name, out object? value)
    {
        value = name switch
        {
            "Labels" => Labels,
            "Value" => Value,
            _ => null,
        };
        return name is "Labels" or "Value";
    }

    public override string ToString() => "{" + GoTemplate.Print(Labels) + " " + GoTemplate.Print(Value) + "}";
}
