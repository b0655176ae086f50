namespace Sawmill.Client;

/// <summary>Connection and output settings shared by every client command (logcli's global flags).</summary>
internal sealed record ClientSettings
{
    public required Uri Address { get; init; }
    public string? OrgId { get; init; }
    public string? Username { get; init; }
    public string? Password { get; init; }
    public string? BearerToken { get; init; }
    public string? QueryTags { get; init; }
    public string AuthHeader { get; init; } = "Authorization";
    public int Retries { get; init; }
    public TimeSpan MinBackoff { get; init; }
    public TimeSpan MaxBackoff { get; init; }
    public bool Quiet { get; init; }
    public bool Stats { get; init; }
    public OutputMode Output { get; init; } = OutputMode.Default;
    public bool UtcTimezone { get; init; }
    public bool Compress { get; init; }
}

internal enum OutputMode
{
    Default,
    Raw,
    Jsonl,
}
