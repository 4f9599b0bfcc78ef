namespace Pipeline.Sharding.Storage;

/// <summary>
/// A store cannot be written for a reason its user must fix: no space or no inode left, a quota, a read-only
/// mount, no permission. The message names the object and the cause, e.g. "cannot create /x/manifest.json.lock:
/// no space left on device".
/// </summary>
public sealed class ShardStoreException : IOException
{
    public ShardStoreException()
    {
    }

    public ShardStoreException(string message)
        : base(message)
    {
    }

    public ShardStoreException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>
    /// Rethrows <paramref name="exception"/> as a <see cref="ShardStoreException"/> saying "cannot
    /// <paramref name="action"/>: cause" when it is a <see cref="FileSystemFault"/>; null (rethrow as is) otherwise.
    /// </summary>
    public static ShardStoreException? From(Exception exception, string action)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return exception is not ShardStoreException && FileSystemFault.Describe(exception) is { } cause
            ? new ShardStoreException($"cannot {action}: {cause}", exception)
            : null;
    }
}
