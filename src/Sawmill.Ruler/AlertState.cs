namespace Sawmill.Ruler;

/// <summary>Prometheus's alert states; a resolved alert is <see cref="Inactive"/> with a ResolvedAt time.</summary>
public enum AlertState
{
    Inactive,
    Pending,
    Firing,
}
