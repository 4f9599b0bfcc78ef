namespace Pipeline.Sharding.Manifest;

/// <summary>
/// The list of committed shards, the single point of truth: a shard not listed here does not exist for readers,
/// whatever files are in the store. Entries keep commit order.
/// </summary>
/// <param name="Format">Manifest format tag, <see cref="CurrentFormat"/> (format 1 manifests read as it).</param>
/// <param name="ImageColumn">The image column every shard has (<c>jpg</c> or <c>webp</c>); null while empty.</param>
/// <param name="Shards">Committed shards in commit order.</param>
public sealed record ShardManifest(string Format, string? ImageColumn, IReadOnlyList<ShardEntry> Shards)
{
    public const string CurrentFormat = "pipeline-shards/2";

    public static ShardManifest Empty { get; } = new(CurrentFormat, null, []);

    public long TotalSamples => Shards.Sum(s => s.Samples);

    public long TotalBytes => Shards.Sum(s => s.Bytes);

    /// <summary>The entry named <paramref name="name"/>, or null.</summary>
    public ShardEntry? Find(string name) => Shards.FirstOrDefault(s => s.Name == name);
}
