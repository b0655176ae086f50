using Sawmill.LogQL.Engine;

namespace Sawmill.Ruler;

/// <summary>A rule of a group: evaluated by its group, on the group's thread, once per interval.</summary>
public interface IRule
{
    string Name { get; }
    string Query { get; }
    IReadOnlyDictionary<string, string> Labels { get; }
    RuleHealth Health { get; }
    string LastError { get; }
    DateTime LastEvaluation { get; }
    TimeSpan EvaluationTime { get; }

    /// <summary>Records the outcome of one evaluation (health, last error, time spent).</summary>
    void SetEvaluation(DateTime ts, TimeSpan duration, string? error);
}
