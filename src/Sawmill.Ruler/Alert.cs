using Sawmill.Core;

namespace Sawmill.Ruler;

/// <summary>
/// One alert instance of an alerting rule (one label set). Times are UTC; <see cref="DateTime.MinValue"/> means unset
/// (Go's zero time). Mutated only by its rule's evaluation, which the group runs on one thread; readers (the API)
/// take a <see cref="Clone"/> under the rule's lock.
/// </summary>
public sealed class Alert
{
    public required Labels Labels { get; set; }
    public Dictionary<string, string> Annotations { get; set; } = [];
    public double Value { get; set; }
    public AlertState State { get; set; }
    public DateTime ActiveAt { get; set; }
    public DateTime FiredAt { get; set; }
    public DateTime ResolvedAt { get; set; }
    public DateTime LastSentAt { get; set; }
    public DateTime ValidUntil { get; set; }
    public DateTime KeepFiringSince { get; set; }

    /// <summary>Prometheus's <c>needsSending</c>: firing alerts every resend delay, a resolved one once more.</summary>
    public bool NeedsSending(DateTime ts, TimeSpan resendDelay)
    {
        if (State == AlertState.Pending)
            return false;
        // Resolved since the last send: send the resolution at once.
        if (ResolvedAt > LastSentAt)
            return true;
        return LastSentAt + resendDelay <= ts;
    }

    public Alert Clone() => (Alert)MemberwiseClone() is var a ? WithCopiedAnnotations(a) : null!;

    private static Alert WithCopiedAnnotations(Alert a)
    {
        a.Annotations = new Dictionary<string, string>(a.Annotations);
        return a;
    }
}
