namespace Pipeline.Sharding.Storage;

/// <summary>
/// Tells the file-system errors a user must fix (no space, no inode, quota, read-only, permission) from the
/// rest, and names them. .NET on Unix puts the errno in <see cref="Exception.HResult"/> of the IOException it
/// throws, and turns EACCES/EPERM into <see cref="UnauthorizedAccessException"/>.
/// </summary>
public static class FileSystemFault
{
    private const int NoSpace = 28; // ENOSPC: no free block, or no free inode
    private const int ReadOnly = 30; // EROFS
    private const int QuotaExceeded = 122; // EDQUOT
    private const int InputOutput = 5; // EIO
    private const int WouldBlock = 11; // EWOULDBLOCK: flock held by another open file
    private const int WindowsDiskFull = unchecked((int)0x80070070);
    private const int WindowsHandleDiskFull = unchecked((int)0x80070027);
    private const int WindowsWriteProtect = unchecked((int)0x80070013);
    private const int WindowsSharingViolation = unchecked((int)0x80070020);
    private const int WindowsLockViolation = unchecked((int)0x80070021);

    /// <summary>"no space left on device", "read-only file system", ...; null for any other error.</summary>
    public static string? Describe(Exception exception) => exception switch
    {
        UnauthorizedAccessException => "permission denied",
        IOException { HResult: NoSpace or WindowsDiskFull or WindowsHandleDiskFull } => "no space left on device",
        IOException { HResult: QuotaExceeded } => "disk quota exceeded",
        IOException { HResult: ReadOnly or WindowsWriteProtect } => "read-only file system",
        IOException { HResult: InputOutput } => "input/output error",
        _ => null,
    };

    /// <summary>True when opening a file failed only because another open file holds a lock on it (contention, not a fault).</summary>
    public static bool IsLockContention(Exception exception) =>
        exception is IOException { HResult: WouldBlock or WindowsSharingViolation or WindowsLockViolation };
}
