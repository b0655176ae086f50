namespace Sawmill.Core;

/// <summary>Raised when an on-disk file fails a checksum, a magic number or a bounds check. Names the file.</summary>
public sealed class StorageCorruptionException(string path, string message, Exception? inner = null)
    : IOException($"{path}: {message}", inner)
{
    public string Path { get; } = path;
}
