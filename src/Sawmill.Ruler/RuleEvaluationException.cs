namespace Sawmill.Ruler;

/// <summary>A rule whose result cannot be used (duplicate label sets, over its limit, not a vector); becomes its last error.</summary>
public sealed class RuleEvaluationException(string message) : Exception(message);
