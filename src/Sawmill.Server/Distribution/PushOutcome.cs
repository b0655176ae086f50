namespace Sawmill.Server.Distribution;

/// <summary>The answer to one push: HTTP status and, when not 204, the text body (Loki's error texts, one per line).</summary>
public readonly record struct PushOutcome(int Status, string? Body, long Accepted, long Rejected);
