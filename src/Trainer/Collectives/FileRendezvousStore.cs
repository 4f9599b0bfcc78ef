using System.Text;
using Pipeline.Sharding.Storage;

namespace Pipeline.Trainer.Collectives;

/// <summary>A <see cref="IRendezvousStore"/> of one small file per key in a folder every rank can see.</summary>
public sealed class FileRendezvousStore : IRendezvousStore
{
    private readonly string _folder;

    public FileRendezvousStore(string folder)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        _folder = folder;
        Directory.CreateDirectory(folder);
    }

    public async Task SetAsync(string key, string value, CancellationToken cancellationToken)
    {
        // Staged and renamed, so a reader sees the whole value or none, and a failed write leaves nothing.
        await AtomicFile.WriteAllBytesAsync(PathOf(key), Encoding.UTF8.GetBytes(value), cancellationToken);
    }

    public async Task<string?> TryGetAsync(string key, CancellationToken cancellationToken)
    {
        try
        {
            return await File.ReadAllTextAsync(PathOf(key), Encoding.UTF8, cancellationToken);
        }
        catch (FileNotFoundException)
        {
            return null;
        }
    }

    public Task DeleteAsync(string key, CancellationToken cancellationToken)
    {
        File.Delete(PathOf(key));
        return Task.CompletedTask;
    }

    private string PathOf(string key) =>
        key.Length > 0 && key.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.') && !key.StartsWith('.')
            ? Path.Combine(_folder, key)
            : throw new ArgumentException($"a rendezvous key is ASCII letters, digits, '-', '_' and '.', not '{key}'", nameof(key));
}
