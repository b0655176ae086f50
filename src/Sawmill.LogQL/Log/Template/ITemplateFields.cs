namespace Sawmill.LogQL.Log;

/// <summary>A template value whose fields are read with <c>.Name</c>, like a Go struct's (e.g. Prometheus's <c>.Labels</c>, <c>.Value</c>).</summary>
public interface ITemplateFields
{
    bool TryGetField(string name, out object? value);
}
