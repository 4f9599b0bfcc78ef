using System.Runtime.InteropServices;

namespace Pipeline.Sharding.Storage;

/// <summary>
/// Replaces a file's content all at once: readers see the old content or the new, never a mix, and a crash
/// mid-write leaves the old file in place. Writes to a temporary file in the same folder, flushes it to disk,
/// renames it over the target, then flushes the folder so the rename itself survives a power loss.
/// </summary>
public static partial class AtomicFile
{
    /// <summary>Prefix of temporary files; they are never visible under the target's name.</summary>
    public const string TemporaryPrefix = ".tmp-";

    /// <summary>Atomically replaces <paramref name="path"/> with <paramref name="content"/>.</summary>
    public static Task WriteAllBytesAsync(string path, ReadOnlyMemory<byte> content, CancellationToken cancellationToken) =>
        WriteAsync(path, (stream, ct) => stream.WriteAsync(content, ct), cancellationToken);

    /// <summary>Atomically replaces <paramref name="path"/> with what <paramref name="write"/> writes to the stream.</summary>
    public static async Task WriteAsync(string path, Func<Stream, CancellationToken, ValueTask> write, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(write);
        var fullPath = Path.GetFullPath(path);
        await using var staged = new LocalStagedWrite(path, fullPath, overwrite: true);
        await write(staged.Stream, cancellationToken).ConfigureAwait(false);
        await staged.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    internal static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // The original error matters more; a leftover temporary file is never read under the target name.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    /// <summary>fsync on the folder makes the rename durable (POSIX); a no-op where folders cannot be opened.</summary>
    internal static void FlushDirectory(string directory)
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
        {
            return;
        }

        const int ReadOnlyDirectory = 0x10000; // O_RDONLY | O_DIRECTORY on Linux
        var descriptor = Open(directory, ReadOnlyDirectory);
        if (descriptor < 0)
        {
            return;
        }

        try
        {
            if (Fsync(descriptor) != 0)
            {
                throw new IOException($"fsync of folder '{directory}' failed (errno {Marshal.GetLastPInvokeError()})");
            }
        }
        finally
        {
            _ = Close(descriptor);
        }
    }

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int descriptor);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int descriptor);
}
