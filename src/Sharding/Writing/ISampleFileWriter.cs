using Pipeline.Sharding.Manifest;
using Pipeline.Sharding.Samples;

namespace Pipeline.Sharding.Writing;

/// <summary>One shard file of some <see cref="Samples.ShardFormat"/> being written into a staged write, checksummed as it goes.</summary>
internal interface ISampleFileWriter : IAsyncDisposable
{
    /// <summary>The shard's manifest name.</summary>
    string Name { get; }

    /// <summary>Where the file is published, relative to the store.</summary>
    string Path { get; }

    /// <summary>Samples written so far.</summary>
    long Samples { get; }

    /// <summary>Bytes written so far, for cutting shards at their target size.</summary>
    long BytesWritten { get; }

    /// <summary>Writes <paramref name="samples"/> as one row group (a reader's unit of fetching).</summary>
    Task WriteRowGroupAsync(IReadOnlyList<Sample> samples, CancellationToken cancellationToken);

    /// <summary>Ends the file and returns the entry the manifest will hold; the file is still staged.</summary>
    Task<ShardEntry> FinishAsync(CancellationToken cancellationToken);

    /// <summary>Publishes the finished file under its path.</summary>
    Task PublishAsync(CancellationToken cancellationToken);
}
