using Microsoft.Win32.SafeHandles;

namespace Pipeline.Sharding.Storage;

/// <summary>
/// A local staged write: a <c>.tmp-</c> file beside the target, fsynced and renamed on commit. The file carries
/// an <see cref="OpenFileLock"/> from creation until disposal (past the rename), which is how a leftover
/// collector tells a live writer's file from a dead one's. A write that fails or is abandoned deletes its file,
/// also when the failure is a full disk that makes the last flush fail too.
/// </summary>
internal sealed class LocalStagedWrite : IStagedWrite
{
    private const int CreateAttempts = 3;

    private readonly string _target;
    private readonly string _temporary;
    private readonly SafeFileHandle _handle;
    private readonly FileStream _file;
    private readonly bool _overwrite;
    private bool _committed;

    /// <param name="path">The target as the store names it.</param>
    /// <param name="target">The target's full path.</param>
    /// <param name="overwrite">Replace an existing target (whole-file replacement) instead of refusing to.</param>
    public LocalStagedWrite(string path, string target, bool overwrite = false)
    {
        Path = path;
        _target = target;
        _overwrite = overwrite;
        var folder = System.IO.Path.GetDirectoryName(target)!;
        for (var attempt = 1; ; attempt++)
        {
            var temporary = System.IO.Path.Combine(folder, $"{AtomicFile.TemporaryPrefix}{System.IO.Path.GetFileName(target)}.{Guid.NewGuid():N}");
            var handle = File.OpenHandle(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.Read);
            // A collector can take a file in the instant between its creation and this lock (and then delete it):
            // such a file is given up for a fresh one.
            if (OpenFileLock.TryAcquire(handle) != LockAttempt.HeldElsewhere && File.Exists(temporary))
            {
                _temporary = temporary;
                _handle = handle;
                _file = new WriteBehindFileStream(handle, 1 << 20);
                return;
            }

            handle.Dispose();
            if (attempt == CreateAttempts)
            {
                throw new IOException($"could not stage '{target}': {CreateAttempts} fresh staging files were taken by leftover collectors");
            }
        }
    }

    public string Path { get; }

    public Stream Stream => _file;

    public async Task CommitAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_committed, this);
        await _file.FlushAsync(cancellationToken);
        _file.Flush(flushToDisk: true);
        // Renamed while still open and locked, so no collector ever sees it unowned before it is published.
        // Shards are published once (no overwrite): a clash means two writers picked the same path.
        File.Move(_temporary, _target, _overwrite);
        _committed = true;
        AtomicFile.FlushDirectory(System.IO.Path.GetDirectoryName(_target)!);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _file.DisposeAsync();
        }
        catch (IOException) when (!_committed)
        {
            // Flushing what was buffered failed (typically the same full disk); those bytes are discarded anyway.
        }
        finally
        {
            // The file stream may not have closed the file after a failed flush; the space returns only when it is.
            _handle.Dispose();
            if (!_committed)
            {
                AtomicFile.TryDelete(_temporary);
            }
        }
    }
}
