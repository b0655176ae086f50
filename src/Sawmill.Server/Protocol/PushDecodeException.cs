namespace Sawmill.Server.Protocol;

/// <summary>A push body that cannot be decoded; the message is returned to the client with status 400.</summary>
public sealed class PushDecodeException(string message) : Exception(message);
