namespace Sawmill.LogQL.Syntax;

/// <summary><c>label_replace(inner, "dst", "replacement", "src", "regex")</c> with PromQL semantics (anchored RE2, $1 expansion).</summary>
public sealed record LabelReplaceExpr(SampleExpr Inner, string Destination, string Replacement, string Source, string Regex) : SampleExpr;
