namespace Sawmill.Server.Retention;

/// <summary>
/// One log deletion request as Loki's compactor API shows it. Times are Unix seconds (Loki's JSON uses seconds).
/// <see cref="Status"/> is <c>received</c> until the compactor has removed the lines from disk (which it does once the
/// cancel period is over), then <c>processed</c>; deleted lines are hidden from queries from the moment the request is
/// received.
/// </summary>
public sealed record DeleteRequest
{
    public required string RequestId { get; init; }
    public required string Tenant { get; init; }
    public required string Query { get; init; }
    public required long StartNs { get; init; }
    public required long EndNs { get; init; }
    public required long CreatedAtNs { get; init; }
    public string Status { get; init; } = "received";

    /// <summary>When the compactor finished removing the lines from disk (Unix ns), or null.</summary>
    public long? ProcessedAtNs { get; init; }
}
