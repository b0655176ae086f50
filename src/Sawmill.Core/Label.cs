namespace Sawmill.Core;

/// <summary>One label: a name and its value. Names follow Prometheus's syntax (<c>[a-zA-Z_][a-zA-Z0-9_]*</c>).</summary>
public readonly record struct Label(string Name, string Value);
