using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using Microsoft.Win32.SafeHandles;

namespace Pipeline.Sharding.Storage;

/// <summary>
/// A store in a local folder, the default. Staged writes go to a <c>.tmp-</c> file beside the target and are
/// renamed into place after an fsync; conditional replaces run under an exclusive lock file, so writers in
/// several processes on this machine never interleave. Every staged file carries its writer's
/// <see cref="OpenFileLock"/> until the writer is done with it, so leftovers of dead writers can be told apart.
/// </summary>
public sealed class LocalFolderStore : IShardStore
{
    private static readonly TimeSpan LockTimeout = TimeSpan.FromSeconds(30);

    /// <summary>Opens (and creates) the store at <paramref name="root"/>.</summary>
    public LocalFolderStore(string root)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(root);
        Root = Path.GetFullPath(root);
        try
        {
            Directory.CreateDirectory(Root);
        }
        catch (Exception ex) when (ShardStoreException.From(ex, $"create {Root}") is { } fault)
        {
            throw fault;
        }
    }

    public string Root { get; }

    public string Location => Root;

    public string Describe(string path) => FullPath(path);

    public Task<IStagedWrite> BeginWriteAsync(string path, CancellationToken cancellationToken)
    {
        var target = FullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        return Task.FromResult<IStagedWrite>(new LocalStagedWrite(path, target));
    }

    public Task<long?> GetLengthAsync(string path, CancellationToken cancellationToken)
    {
        var info = new FileInfo(FullPath(path));
        return Task.FromResult(info.Exists ? info.Length : (long?)null);
    }

    public async Task ReadRangeAsync(string path, long offset, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        using var handle = File.OpenHandle(FullPath(path), FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.Asynchronous);
        var done = 0;
        while (done < buffer.Length)
        {
            var read = await RandomAccess.ReadAsync(handle, buffer[done..], offset + done, cancellationToken);
            if (read == 0)
            {
                throw new EndOfStreamException($"{FullPath(path)}: wanted {buffer.Length} bytes at offset {offset}, the file ends at {offset + done}");
            }

            done += read;
        }
    }

    public Task<Stream> OpenSequentialAsync(string path, CancellationToken cancellationToken) =>
        Task.FromResult<Stream>(new FileStream(FullPath(path), FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.SequentialScan | FileOptions.Asynchronous));

    public async Task<VersionedContent?> ReadVersionedAsync(string path, CancellationToken cancellationToken)
    {
        var full = FullPath(path);
        try
        {
            var content = await File.ReadAllBytesAsync(full, cancellationToken);
            return new VersionedContent(content, VersionOf(content));
        }
        catch (FileNotFoundException)
        {
            return null;
        }
        catch (DirectoryNotFoundException)
        {
            return null;
        }
    }

    public async Task<bool> TryReplaceAsync(string path, ReadOnlyMemory<byte> content, string? expectedVersion, CancellationToken cancellationToken)
    {
        var full = FullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        await using var fileLock = await AcquireLockAsync(full + ".lock", cancellationToken);
        var current = await ReadVersionedAsync(path, cancellationToken);
        if (current?.Version != expectedVersion)
        {
            return false;
        }

        try
        {
            await AtomicFile.WriteAllBytesAsync(full, content, cancellationToken);
        }
        catch (Exception ex) when (ShardStoreException.From(ex, $"write {full}") is { } fault)
        {
            throw fault;
        }

        return true;
    }

    public async IAsyncEnumerable<StoredObject> ListAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        // The prefix's folder part picks where to look; the rest filters names within it.
        var folder = FullPath(prefix.Contains('/', StringComparison.Ordinal) ? prefix[..prefix.LastIndexOf('/')] : "");
        if (!Directory.Exists(folder))
        {
            yield break;
        }

        foreach (var file in Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var relative = Path.GetRelativePath(Root, file).Replace(Path.DirectorySeparatorChar, '/');
            if (!relative.StartsWith(prefix, StringComparison.Ordinal) && !IsStagingOf(relative, prefix))
            {
                continue;
            }

            var name = Path.GetFileName(file);
            if (name.EndsWith(".lock", StringComparison.Ordinal))
            {
                continue;
            }

            yield return new StoredObject(relative, new FileInfo(file).Length, name.StartsWith(AtomicFile.TemporaryPrefix, StringComparison.Ordinal));
        }

        await Task.CompletedTask;
    }

    public Task DeleteAsync(string path, CancellationToken cancellationToken)
    {
        var full = FullPath(path);
        // The contract is "no error when it is already gone", and that includes its folder.
        if (Directory.Exists(Path.GetDirectoryName(full)))
        {
            File.Delete(full);
        }

        return Task.CompletedTask;
    }

    public bool CanTellLiveWriters => OperatingSystem.IsLinux();

    public async Task<bool> TryRemoveAbandonedAsync(string path, Func<CancellationToken, Task<bool>> stillUnwanted, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stillUnwanted);
        var full = FullPath(path);
        SafeFileHandle handle;
        try
        {
            // Shared, so that no flock is taken that could disturb a reader: only the open-file lock decides.
            handle = File.OpenHandle(full, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException || FileSystemFault.IsLockContention(ex))
        {
            // Gone (its writer published or removed it), or held by a writer of an older version.
            return false;
        }

        using (handle)
        {
            // Holding the lock, no writer can come back to the file; deleting while it is held closes every race.
            if (OpenFileLock.TryAcquire(handle) != LockAttempt.Acquired || !await stillUnwanted(cancellationToken))
            {
                return false;
            }

            File.Delete(full);
            return true;
        }
    }

    /// <summary>Version token of a local file: the hex SHA-256 of its content.</summary>
    private static string VersionOf(byte[] content) => Convert.ToHexStringLower(SHA256.HashData(content));

    private static bool IsStagingOf(string relative, string prefix)
    {
        var slash = relative.LastIndexOf('/');
        var folder = slash < 0 ? "" : relative[..(slash + 1)];
        return prefix.StartsWith(folder, StringComparison.Ordinal) && relative[folder.Length..].StartsWith(AtomicFile.TemporaryPrefix, StringComparison.Ordinal);
    }

    private string FullPath(string path)
    {
        if (Path.IsPathRooted(path) || path.Split('/').Any(part => part == ".."))
        {
            throw new ArgumentException($"'{path}' must be relative to the store and stay inside it", nameof(path));
        }

        return Path.Combine(Root, path.Replace('/', Path.DirectorySeparatorChar));
    }

    /// <summary>
    /// An exclusive lock file (flock on Unix via FileShare.None), polled until <see cref="LockTimeout"/> while
    /// another writer holds it. Any other failure (no space or inode, read-only, no permission) is no contention
    /// and is reported at once.
    /// </summary>
    private static async Task<FileStream> AcquireLockAsync(string path, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + LockTimeout;
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException ex) when (FileSystemFault.IsLockContention(ex) && DateTime.UtcNow < deadline)
            {
                await Task.Delay(Random.Shared.Next(5, 25), cancellationToken);
            }
            catch (IOException ex) when (FileSystemFault.IsLockContention(ex))
            {
                throw new IOException($"could not lock '{path}' within {LockTimeout.TotalSeconds:0} s; another writer holds it", ex);
            }
            catch (Exception ex) when (ShardStoreException.From(ex, $"create {path}") is { } fault)
            {
                throw fault;
            }
        }
    }
}
