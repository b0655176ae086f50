namespace Sawmill.Ruler;

/// <summary>Result of a rule's last evaluation, as Prometheus reports it: <c>ok</c>, <c>err</c> or <c>unknown</c> (not yet evaluated).</summary>
public enum RuleHealth
{
    Unknown,
    Ok,
    Err,
}
