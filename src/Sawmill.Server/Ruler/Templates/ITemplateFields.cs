namespace Sawmill.Server.Ruler.Templates;

/// <summary>A value whose fields a template can read with <c>.Name</c> (Go struct fields).</summary>
internal interface ITemplateFields
{
    bool TryGetField(string name, out object? value);
}
