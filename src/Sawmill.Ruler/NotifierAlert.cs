namespace Sawmill.Ruler;

/// <summary>An alert as sent to Alertmanager: labels (with external labels added), annotations, times and the link back.</summary>
public sealed record NotifierAlert(
    IReadOnlyDictionary<string, string> Labels,
    IReadOnlyDictionary<string, string> Annotations,
    DateTime StartsAt,
    DateTime EndsAt,
    string GeneratorUrl);
