namespace Sawmill.Storage.Bucket;

/// <summary>
/// How to reach an S3-compatible bucket: Loki's <c>common.storage.s3</c> / <c>storage_config.aws</c> keys plus
/// Sawmill's <see cref="UseChunkEncoding"/>. Immutable.
/// </summary>
public sealed record S3Options
{
    /// <summary><c>host:port</c> (or a URL) of the service; empty means AWS S3 in <see cref="Region"/>.</summary>
    public string Endpoint { get; init; } = "";

    public string Region { get; init; } = "";

    public string BucketName { get; init; } = "";

    /// <summary>Static credentials; when both are empty the SDK's default chain (environment, instance profile…) is used.</summary>
    public string AccessKeyId { get; init; } = "";

    public string SecretAccessKey { get; init; } = "";

    public string SessionToken { get; init; } = "";

    /// <summary>Plain HTTP instead of HTTPS (Loki's <c>insecure</c>).</summary>
    public bool Insecure { get; init; }

    /// <summary>Path-style addressing (<c>endpoint/bucket/key</c>) instead of virtual hosts (Loki's <c>s3forcepathstyle</c>).</summary>
    public bool ForcePathStyle { get; init; }

    /// <summary>
    /// Send upload bodies with <c>aws-chunked</c> content encoding (streamed, signed chunk by chunk; the SDK's default).
    /// AWS S3 and MinIO decode it; some S3 emulators (s3rver, measured) store the chunk framing verbatim, so every object
    /// reads back with the chunk signatures inside. <c>false</c> sends plain bodies (the SDK hashes each body before
    /// sending it). Every upload is checked by its stored size, so a server that keeps the framing is reported at the
    /// first upload instead of corrupting data.
    /// </summary>
    public bool UseChunkEncoding { get; init; } = true;
}
