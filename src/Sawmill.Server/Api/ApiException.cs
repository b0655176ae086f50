namespace Sawmill.Server.Api;

/// <summary>An error answered to the client as Loki does: plain text body with the given status.</summary>
public sealed class ApiException(int status, string message) : Exception(message)
{
    public int Status { get; } = status;
}
