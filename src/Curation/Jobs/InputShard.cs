using System.Runtime.CompilerServices;
using Pipeline.Sharding.Manifest;
using Pipeline.Sharding.Reading;
using Pipeline.Sharding.Samples;
using Pipeline.Sharding.Storage;

namespace Pipeline.Curation.Jobs;

/// <summary>One shard of a step's input, read a verified row group at a time.</summary>
public sealed class InputShard : IAsyncDisposable
{
    private readonly ShardFileReader _reader;

    private InputShard(ShardFileReader reader) => _reader = reader;

    /// <summary>The shard's manifest entry.</summary>
    public ShardEntry Entry => _reader.Entry;

    /// <summary>The encoding of the shard's images.</summary>
    public ImageEncoding Encoding => _reader.Schema.Encoding;

    /// <summary>Opens the shard named <paramref name="name"/> in <paramref name="store"/>'s manifest.</summary>
    /// <exception cref="InvalidDataException">The manifest has no such shard.</exception>
    /// <exception cref="ShardCorruptException">The shard file is missing or damaged.</exception>
    public static async Task<InputShard> OpenAsync(IShardStore store, string name, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        var manifest = await new ManifestStore(store).LoadAsync(cancellationToken);
        var entry = manifest.Find(name) ?? throw new InvalidDataException($"{store.Describe(ManifestStore.ManifestPath)} lists no shard '{name}'");
        return new InputShard(await ShardFileReader.OpenAsync(store, entry, cancellationToken));
    }

    /// <summary>The row groups in file order, each with the shard row of its first sample.</summary>
    public async IAsyncEnumerable<(Sample[] Samples, int FirstRow)> RowGroupsAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var row = 0;
        for (var g = 0; g < _reader.Entry.RowGroups.Count; g++)
        {
            var samples = await _reader.ReadRowGroupAsync(g, cancellationToken);
            yield return (samples, row);
            row += samples.Length;
        }
    }

    /// <inheritdoc/>
    public ValueTask DisposeAsync() => _reader.DisposeAsync();
}
