namespace Sawmill.LogQL.Log;

/// <summary>
/// Extra functions for a <see cref="GoTemplate"/> run outside log pipelines (the ruler's Prometheus functions such as
/// <c>humanize</c> or <c>query</c>). They take precedence over the built-in set for the names they define; the
/// built-ins (Go's <c>printf</c>, <c>eq</c>, <c>len</c> … and Loki's) stay available. Implementations throw
/// <see cref="TemplateException"/> (or argument/format exceptions, reported as <c>error calling NAME: …</c>).
/// </summary>
public interface ITemplateFunctions
{
    /// <summary>True when <paramref name="name"/> is one of these functions (checked at parse time and per call).</summary>
    bool Defines(string name);

    object? Call(string name, object?[] args);
}
