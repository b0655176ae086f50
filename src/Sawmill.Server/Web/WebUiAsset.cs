namespace Sawmill.Server.Web;

/// <summary>One embedded UI file: its bytes (shared, never mutated), content type and strong ETag.</summary>
internal sealed record WebUiAsset(byte[] Content, string ContentType, string ETag);
