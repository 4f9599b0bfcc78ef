namespace Pipeline.Trainer.Data;

/// <summary>How batches are made and prefetched.</summary>
public sealed record BatchLoaderOptions
{
    /// <summary>Samples per global batch (all ranks together).</summary>
    public int GlobalBatch { get; set; } = 256;

    public int Rank { get; set; }

    public int WorldSize { get; set; } = 1;

    public DataSplit Split { get; set; } = DataSplit.RowGroups;

    /// <summary>Batches decoded ahead of the training step.</summary>
    public int Prefetch { get; set; } = 2;

    /// <summary>Threads that decode and resize images.</summary>
    public int DecodeThreads { get; set; } = Math.Max(1, Environment.ProcessorCount / 2);

    /// <summary>This rank's samples per batch.</summary>
    public int LocalBatch => GlobalBatch / WorldSize;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid setting.</summary>
    public void Validate()
    {
        if (WorldSize < 1 || Rank < 0 || Rank >= WorldSize)
        {
            throw new ArgumentException($"rank {Rank} is not within world size {WorldSize}");
        }

        if (GlobalBatch < 2 || GlobalBatch % WorldSize != 0)
        {
            throw new ArgumentException($"the global batch {GlobalBatch} must be at least 2 and divisible by the world size {WorldSize}");
        }

        if (Prefetch < 1 || DecodeThreads < 1)
        {
            throw new ArgumentException("Prefetch and DecodeThreads must be at least 1");
        }
    }
}
