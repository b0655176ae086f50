namespace Sawmill.Ruler;

/// <summary>
/// A rule of a group (alerting or recording): evaluated by its group, on the group's thread, once per interval. Holds
/// what both kinds report through the rules API: the query, the rule's labels and the outcome of the last evaluation.
/// </summary>
public abstract class Rule(string name, string query, IReadOnlyDictionary<string, string> labels)
{
    public string Name { get; } = name;
    public string Query { get; } = query;
    public IReadOnlyDictionary<string, string> Labels { get; } = labels;
    public RuleHealth Health { get; private set; }
    public string LastError { get; private set; } = "";
    public DateTime LastEvaluation { get; private set; }
    public TimeSpan EvaluationTime { get; private set; }

    /// <summary>Records the outcome of one evaluation (health, last error, time spent).</summary>
    public void SetEvaluation(DateTime ts, TimeSpan duration, string? error)
    {
        LastEvaluation = ts;
        EvaluationTime = duration;
        Health = error == null ? RuleHealth.Ok : RuleHealth.Err;
        LastError = error ?? "";
    }
}
