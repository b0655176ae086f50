namespace Sawmill.LogQL.Syntax;

/// <summary>A parser parameter <c>name="expression"</c> (json: a JSON path such as <c>a.b[0]</c>; logfmt: a key).</summary>
public sealed record LabelExtraction(string Name, string Expression);
