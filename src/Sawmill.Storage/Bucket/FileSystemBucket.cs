using System.Runtime.CompilerServices;

namespace Sawmill.Storage.Bucket;

/// <summary>
/// A bucket in a local (or shared, e.g. NFS) directory: each key is a file path under the root. An object is written to
/// a temporary name (<c>.tmp-</c> in it), fsynced and renamed into place, so readers see whole objects only; listings
/// skip temporary files. Loki's <c>filesystem</c> object store; the default. Thread-safe.
/// </summary>
public sealed class FileSystemBucket : IBucket
{
    private const string TempMarker = ".tmp-";
    private readonly string _root;

    public FileSystemBucket(string root)
    {
        _root = Path.GetFullPath(root);
        Directory.CreateDirectory(_root);
    }

    public string Description => "filesystem " + _root;

    private string PathOf(string key)
    {
        if (key.Length == 0 || key.Contains("..", StringComparison.Ordinal) || key.StartsWith('/') || key.Contains('\\'))
            throw new BucketException($"invalid object key \"{key}\"");
        return Path.Combine(_root, key);
    }

    public async Task PutAsync(string key, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        var path = PathOf(key);
        var tmp = TempPath(path);
        try
        {
            await using (var fs = Create(tmp, 1 << 16))
            {
                await fs.WriteAsync(data, cancellationToken).ConfigureAwait(false);
                fs.Flush(flushToDisk: true);
            }
            File.Move(tmp, path, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            TryDelete(tmp);
            throw new BucketException($"{Description}: cannot write {key}: {e.Message}", e);
        }
        catch
        {
            TryDelete(tmp);
            throw;
        }
    }

    public async Task PutFileAsync(string key, string source, CancellationToken cancellationToken)
    {
        var path = PathOf(key);
        var tmp = TempPath(path);
        try
        {
            await using (var input = new FileStream(source, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.Asynchronous | FileOptions.SequentialScan))
            await using (var fs = Create(tmp, 1 << 20))
            {
                await input.CopyToAsync(fs, 1 << 20, cancellationToken).ConfigureAwait(false);
                fs.Flush(flushToDisk: true);
            }
            File.Move(tmp, path, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            TryDelete(tmp);
            throw new BucketException($"{Description}: cannot write {key} from {source}: {e.Message}", e);
        }
        catch
        {
            TryDelete(tmp);
            throw;
        }
    }

    private static string TempPath(string path) => $"{path}{TempMarker}{Guid.NewGuid():N}";

    /// <summary>Creates the temporary file, and its directory (again, should a delete have just removed it).</summary>
    private static FileStream Create(string tmp, int bufferSize)
    {
        for (var attempt = 0; ; attempt++)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(tmp)!);
            try
            {
                return new FileStream(tmp, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize, FileOptions.Asynchronous);
            }
            catch (DirectoryNotFoundException) when (attempt < 3)
            {
            }
        }
    }

    public async Task<byte[]?> GetAsync(string key, CancellationToken cancellationToken)
    {
        try
        {
            return await File.ReadAllBytesAsync(PathOf(key), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
        catch (IOException e)
        {
            throw new BucketException($"{Description}: cannot read {key}: {e.Message}", e);
        }
    }

    public async Task<bool> GetRangeAsync(string key, long offset, Memory<byte> into, CancellationToken cancellationToken)
    {
        Microsoft.Win32.SafeHandles.SafeFileHandle handle;
        try
        {
            handle = File.OpenHandle(PathOf(key), FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, FileOptions.Asynchronous);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return false;
        }
        using (handle)
        {
            var done = 0;
            while (done < into.Length)
            {
                var n = await RandomAccess.ReadAsync(handle, into[done..], offset + done, cancellationToken).ConfigureAwait(false);
                if (n <= 0)
                    throw new BucketException($"{Description}: {key} ends before byte {offset + into.Length}");
                done += n;
            }
        }
        return true;
    }

    public async IAsyncEnumerable<BucketObject> ListAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        // The deepest directory the prefix names completely is where the walk starts.
        var slash = prefix.LastIndexOf('/');
        var dir = slash < 0 ? _root : Path.Combine(_root, prefix[..slash]);
        if (!Directory.Exists(dir))
            yield break;
        var found = new List<BucketObject>();
        foreach (var file in new DirectoryInfo(dir).EnumerateFiles("*", SearchOption.AllDirectories))
        {
            var key = Path.GetRelativePath(_root, file.FullName).Replace(Path.DirectorySeparatorChar, '/');
            if (!key.StartsWith(prefix, StringComparison.Ordinal) || key.Contains(TempMarker, StringComparison.Ordinal))
                continue;
            found.Add(new BucketObject(key, file.Length, file.LastWriteTimeUtc));
        }
        found.Sort((a, b) => string.CompareOrdinal(a.Key, b.Key));
        foreach (var o in found)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return o;
        }
        await Task.CompletedTask.ConfigureAwait(false);
    }

    public Task DeleteAsync(string key, CancellationToken cancellationToken)
    {
        var path = PathOf(key);
        try
        {
            File.Delete(path);
        }
        catch (DirectoryNotFoundException)
        {
            return Task.CompletedTask;
        }
        catch (IOException e)
        {
            throw new BucketException($"{Description}: cannot delete {key}: {e.Message}", e);
        }
        // The directory a deleted block leaves empty goes too; a writer that just created it again wins (its
        // directory is not empty, or it retries the create).
        try
        {
            var dir = Path.GetDirectoryName(path)!;
            if (dir.Length > _root.Length && !Directory.EnumerateFileSystemEntries(dir).Any())
                Directory.Delete(dir);
        }
        catch (IOException)
        {
        }
        return Task.CompletedTask;
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
    }

    public void Dispose()
    {
    }
}
