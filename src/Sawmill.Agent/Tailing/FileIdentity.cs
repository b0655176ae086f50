using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Sawmill.Agent.Tailing;

/// <summary>
/// Inode numbers of paths and open files, so that the tailer can tell "the path now names a different file"
/// (rename-and-create rotation) from "the same file grew or shrank". Uses libc's <c>stat</c>/<c>fstat</c>
/// (glibc 2.33+ exports them); on Linux x86-64 and arm64 <c>st_ino</c> is the second 8-byte field. Elsewhere,
/// or when the call is unavailable, returns 0 and rotation is detected by size alone.
/// </summary>
internal static partial class FileIdentity
{
    private static bool _unavailable = !OperatingSystem.IsLinux() ||
        RuntimeInformation.ProcessArchitecture is not (Architecture.X64 or Architecture.Arm64);

    /// <summary>The inode of <paramref name="path"/>, -1 when it does not exist, 0 when unknown.</summary>
    public static long InodeOf(string path)
    {
        if (_unavailable)
            return File.Exists(path) ? 0 : -1;
        Span<byte> buf = stackalloc byte[256];
        try
        {
            unsafe
            {
                fixed (byte* p = buf)
                {
                    if (Stat(path, p) != 0)
                        return -1;
                }
            }
        }
        catch (EntryPointNotFoundException)
        {
            _unavailable = true;
            return File.Exists(path) ? 0 : -1;
        }
        return BitConverter.ToInt64(buf[8..16]);
    }

    /// <summary>The inode of an open file, 0 when unknown.</summary>
    public static long InodeOf(SafeFileHandle handle)
    {
        if (_unavailable)
            return 0;
        Span<byte> buf = stackalloc byte[256];
        var added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            unsafe
            {
                fixed (byte* p = buf)
                {
                    if (FStat((int)handle.DangerousGetHandle(), p) != 0)
                        return 0;
                }
            }
        }
        catch (EntryPointNotFoundException)
        {
            _unavailable = true;
            return 0;
        }
        finally
        {
            if (added)
                handle.DangerousRelease();
        }
        return BitConverter.ToInt64(buf[8..16]);
    }

    /// <summary>fsyncs a directory so that a rename inside it survives a power loss. Best effort off Linux.</summary>
    public static void SyncDirectory(string directory)
    {
        if (!OperatingSystem.IsLinux())
            return;
        try
        {
            var fd = Open(directory, 0x10000 /* O_DIRECTORY */);
            if (fd < 0)
                return;
            _ = FSync(fd);
            _ = Close(fd);
        }
        catch (EntryPointNotFoundException)
        {
        }
    }

    [LibraryImport("libc", EntryPoint = "stat", StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial int Stat(string path, byte* buf);

    [LibraryImport("libc", EntryPoint = "fstat")]
    private static unsafe partial int FStat(int fd, byte* buf);

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync")]
    private static partial int FSync(int fd);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);
}
