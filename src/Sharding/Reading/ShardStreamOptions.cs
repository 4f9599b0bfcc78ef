namespace Pipeline.Sharding.Reading;

/// <summary>How a training process reads its share of the shards; bound from <c>Sharding:Reader</c>.</summary>
public sealed record ShardStreamOptions
{
    public const string Section = "Sharding:Reader";

    /// <summary>This process's rank, 0 ≤ Rank &lt; WorldSize.</summary>
    public int Rank { get; set; }

    /// <summary>How many processes read the same shards; together they see every sample once per epoch.</summary>
    public int WorldSize { get; set; } = 1;

    /// <summary>Seed of the row-group order and the shuffle; recorded so a run can be reproduced.</summary>
    public ulong Seed { get; set; }

    /// <summary>Samples held for shuffling; more mixes better and holds more images in memory.</summary>
    public int ShuffleBuffer { get; set; } = 2_000;

    /// <summary>Row groups fetched ahead of the shuffle buffer while it is being drained.</summary>
    public int PrefetchRowGroups { get; set; } = 2;

    /// <summary>Epochs to read; null reads forever.</summary>
    public int? Epochs { get; set; }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid setting.</summary>
    public void Validate()
    {
        if (WorldSize < 1 || Rank < 0 || Rank >= WorldSize)
        {
            throw new ArgumentException($"{Section}: rank {Rank} is not within world size {WorldSize}");
        }

        if (ShuffleBuffer < 1 || PrefetchRowGroups < 1 || Epochs is < 1)
        {
            throw new ArgumentException($"{Section}: ShuffleBuffer and PrefetchRowGroups must be >= 1, Epochs >= 1 or unset");
        }
    }
}
