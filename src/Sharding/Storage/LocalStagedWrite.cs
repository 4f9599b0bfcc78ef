namespace Pipeline.Sharding.Storage;

/// <summary>A local staged write: a <c>.tmp-</c> file beside the target, fsynced and renamed on commit.</summary>
internal sealed class LocalStagedWrite : IStagedWrite
{
    private readonly string _target;
    private readonly string _temporary;
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
        _temporary = System.IO.Path.Combine(System.IO.Path.GetDirectoryName(target)!, $"{AtomicFile.TemporaryPrefix}{System.IO.Path.GetFileName(target)}.{Guid.NewGuid():N}");
        _file = new FileStream(_temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20);
    }

    public string Path { get; }

    public Stream Stream => _file;

    public async Task CommitAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_committed, this);
        await _file.FlushAsync(cancellationToken);
        _file.Flush(flushToDisk: true);
        await _file.DisposeAsync();
        // Shards are published once (no overwrite): a clash means two writers picked the same path.
        File.Move(_temporary, _target, _overwrite);
        _committed = true;
        AtomicFile.FlushDirectory(System.IO.Path.GetDirectoryName(_target)!);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_committed)
        {
            await _file.DisposeAsync();
            AtomicFile.TryDelete(_temporary);
        }
    }
}
