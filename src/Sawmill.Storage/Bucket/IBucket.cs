namespace Sawmill.Storage.Bucket;

/// <summary>
/// An object store: immutable objects under string keys (<c>/</c>-separated), each written whole in one call. A reader
/// sees an object completely or not at all — never a half-written one — which is what makes a block "committed" when its
/// last object (<c>meta.json</c>) appears (docs/format/bucket.md). Implementations: <see cref="FileSystemBucket"/> (a
/// directory; the default) and <see cref="S3Bucket"/> (any S3-compatible service). Thread-safe.
/// </summary>
public interface IBucket : IDisposable
{
    /// <summary>What the bucket is, for logs and errors (<c>s3://name at endpoint</c>, <c>filesystem /path</c>).</summary>
    string Description { get; }

    /// <summary>Writes an object whole (replacing one with the same key). Throws <see cref="BucketException"/>.</summary>
    Task PutAsync(string key, ReadOnlyMemory<byte> data, CancellationToken cancellationToken);

    /// <summary>Writes a local file as an object, streamed (block <c>chunks</c> files run to hundreds of MiB).</summary>
    Task PutFileAsync(string key, string path, CancellationToken cancellationToken);

    /// <summary>The whole object, or null when there is none.</summary>
    Task<byte[]?> GetAsync(string key, CancellationToken cancellationToken);

    /// <summary>
    /// Reads <paramref name="into"/>.Length bytes at <paramref name="offset"/>. False when the object does not exist;
    /// throws <see cref="BucketException"/> when it is shorter than the range.
    /// </summary>
    Task<bool> GetRangeAsync(string key, long offset, Memory<byte> into, CancellationToken cancellationToken);

    /// <summary>Every object whose key starts with <paramref name="prefix"/>, in key order, at any depth.</summary>
    IAsyncEnumerable<BucketObject> ListAsync(string prefix, CancellationToken cancellationToken);

    /// <summary>Removes an object; removing one that does not exist is not an error.</summary>
    Task DeleteAsync(string key, CancellationToken cancellationToken);
}

/// <summary>One object of a listing.</summary>
public readonly record struct BucketObject(string Key, long Size, DateTimeOffset LastModified);

/// <summary>A bucket operation failed (network, permissions, a server that mangled an upload…); the message says which.</summary>
public sealed class BucketException(string message, Exception? inner = null) : Exception(message, inner);
