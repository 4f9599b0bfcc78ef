using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Pipeline.Sharding.Storage;

/// <summary>
/// A buffered file stream that, on every flush, asks the kernel to start writing what was flushed to disk
/// (Linux <c>sync_file_range</c> with <c>SYNC_FILE_RANGE_WRITE</c>, which does not wait for the writes to finish).
/// A shard writer flushes after each row group, so the disk writes one row group while the next is encoded and the
/// fsync at commit waits only for the tail, instead of the whole file going to disk then. Durability is unchanged:
/// the fsync still decides. Elsewhere, or where the call is refused, a flush is a plain flush.
/// </summary>
internal sealed partial class WriteBehindFileStream(SafeFileHandle handle, int bufferSize) : FileStream(handle, FileAccess.Write, bufferSize)
{
    private const uint StartWriting = 2; // SYNC_FILE_RANGE_WRITE

    private readonly SafeFileHandle _handle = handle;
    private bool _unsupported = !OperatingSystem.IsLinux();
    private long _started;

    public override void Flush(bool flushToDisk)
    {
        base.Flush(flushToDisk);
        if (!flushToDisk)
        {
            StartWriteBack();
        }
    }

    public override void Flush() => Flush(flushToDisk: false);

    public override async Task FlushAsync(CancellationToken cancellationToken)
    {
        await base.FlushAsync(cancellationToken);
        StartWriteBack();
    }

    private void StartWriteBack()
    {
        var end = Position;
        if (_unsupported || end <= _started)
        {
            return;
        }

        if (SyncFileRange(_handle, _started, end - _started, StartWriting) != 0)
        {
            // ENOSYS, EINVAL (a file system without it), ESPIPE: flushes stay plain flushes.
            _unsupported = true;
            return;
        }

        _started = end;
    }

    [LibraryImport("libc", EntryPoint = "sync_file_range", SetLastError = true)]
    private static partial int SyncFileRange(SafeFileHandle descriptor, long offset, long length, uint flags);
}
