namespace Sawmill.Server.Retention;

/// <summary>
/// One log deletion request as Loki's compactor API shows it. Times are Unix seconds (Loki's JSON uses seconds).
/// <see cref="Status"/> is <c>received</c> while it can still be cancelled and <c>processed</c> once it is final;
/// deleted lines are hidden from queries from the moment the request is received.
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
}
