namespace Sawmill.LogQL.Syntax;

/// <summary>
/// One assignment of <c>label_format</c>: <c>dst=src</c> (<see cref="Rename"/>: <see cref="Value"/> is a label name)
/// or <c>dst="template"</c> (<see cref="Value"/> is a Go template).
/// </summary>
public sealed record LabelFormat(string Name, string Value, bool Rename);
