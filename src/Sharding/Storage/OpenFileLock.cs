using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Pipeline.Sharding.Storage;

/// <summary>
/// An exclusive lock owned by one open file (a Linux open-file-description lock, F_OFD_SETLK): the kernel drops
/// it when that file is closed, also when its process dies of SIGKILL, so it tells a live writer's staging file
/// from a dead one's without guessing from ages or process ids (which other pid namespaces do not share). It is
/// independent of the flock .NET takes for <see cref="FileShare"/>, so readers' shared flocks never conflict
/// with it and a writer can hold it across the rename that publishes its file.
/// </summary>
internal static partial class OpenFileLock
{
    private const int SetLockWithoutWaiting = 37; // F_OFD_SETLK
    private const short WriteLock = 1; // F_WRLCK
    private const int TryAgain = 11; // EAGAIN: another open file holds a conflicting lock
    private const int AccessDenied = 13; // EACCES: the same, on some file systems

    /// <summary>Takes the lock on the whole file if no other open file holds it; never waits.</summary>
    public static LockAttempt TryAcquire(SafeFileHandle handle)
    {
        ArgumentNullException.ThrowIfNull(handle);
        if (!OperatingSystem.IsLinux())
        {
            return LockAttempt.Unsupported;
        }

        // Start 0 and length 0 cover the whole file, however long it grows.
        var request = new LockRequest { Type = WriteLock };
        var added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            if (Fcntl((int)handle.DangerousGetHandle(), SetLockWithoutWaiting, ref request) == 0)
            {
                return LockAttempt.Acquired;
            }

            // Anything else (EINVAL: a kernel or file system without such locks) means nobody can tell.
            return Marshal.GetLastPInvokeError() is TryAgain or AccessDenied ? LockAttempt.HeldElsewhere : LockAttempt.Unsupported;
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }
    }

    [LibraryImport("libc", EntryPoint = "fcntl", SetLastError = true)]
    private static partial int Fcntl(int descriptor, int command, ref LockRequest request);

    /// <summary>struct flock as Linux lays it out on 64-bit machines.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct LockRequest
    {
        public short Type;
        public short Whence;
        public long Start;
        public long Length;
        public int ProcessId; // must be 0 for open-file-description locks
    }
}
