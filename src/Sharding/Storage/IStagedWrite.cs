namespace Pipeline.Sharding.Storage;

/// <summary>
/// An object being written: bytes go to <see cref="Stream"/> and stay invisible under the target path until
/// <see cref="CommitAsync"/>. Disposing without committing discards them; a crash leaves at most an invisible
/// staging leftover (a <c>.tmp-</c> file, or uncommitted blocks that Azure drops after a week).
/// </summary>
public interface IStagedWrite : IAsyncDisposable
{
    /// <summary>The target path, relative to the store.</summary>
    string Path { get; }

    /// <summary>Write-only, forward-only; <see cref="System.IO.Stream.Position"/> counts bytes written.</summary>
    Stream Stream { get; }

    /// <summary>Makes the object visible under <see cref="Path"/> in one step; fails if something is already there.</summary>
    Task CommitAsync(CancellationToken cancellationToken);
}
