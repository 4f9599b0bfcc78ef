namespace Pipeline.Sharding.Storage;

/// <summary>What <see cref="OpenFileLock.TryAcquire"/> found.</summary>
internal enum LockAttempt
{
    /// <summary>This open file now holds the lock: no other open file did.</summary>
    Acquired,

    /// <summary>Another open file (a live writer) holds it.</summary>
    HeldElsewhere,

    /// <summary>This system has no such locks, so liveness cannot be told.</summary>
    Unsupported,
}
