using Microsoft.Extensions.Logging.Abstractions;
using Pipeline.Sharding.Manifest;
using Pipeline.Sharding.Storage;
using Pipeline.TestServices;
using Pipeline.Trainer.Collectives;
using Pipeline.Trainer.Synthetic;
using Pipeline.Trainer.Tokenization;
using Pipeline.Trainer.Training;

namespace Pipeline.Trainer.Tests;

/// <summary>A folder of shape shards, its tokenizer, and a way to train on it.</summary>
internal sealed class TrainerFixture : IDisposable
{
    private TrainerFixture(TemporaryFolder folder, LocalFolderStore store, ShardManifest manifest, ClipTokenizer tokenizer)
    {
        Folder = folder;
        Store = store;
        Manifest = manifest;
        Tokenizer = tokenizer;
    }

    public TemporaryFolder Folder { get; }

    public LocalFolderStore Store { get; }

    public ShardManifest Manifest { get; }

    public ClipTokenizer Tokenizer { get; }

    public static async Task<TrainerFixture> CreateAsync(int samples, int seed = 1)
    {
        var folder = new TemporaryFolder();
        var store = new LocalFolderStore(Path.Combine(folder.Path, "shards"));
        await ShapesDataset.WriteShardsAsync(store, samples, 32, seed, shardSamples: Math.Max(8, samples / 4), CancellationToken.None);
        var manifest = await new ManifestStore(store).LoadAsync(CancellationToken.None);
        var tokenizer = await CaptionTokenizerBuilder.LoadOrTrainAsync(Path.Combine(folder.Path, "tokenizer"), store, manifest, 1_000, 10_000, save: true, CancellationToken.None);
        return new TrainerFixture(folder, store, manifest, tokenizer);
    }

    public Task<TrainingOutcome> TrainAsync(TrainingOptions options, string output, bool resume = false, Action<StepReport>? progress = null, CancellationToken cancellationToken = default) =>
        new ClipTrainer(options, new SingleProcessCollectives(), NullLogger.Instance)
            .RunAsync(Store, Manifest, Tokenizer, output, resume, progress, cancellationToken);

    public void Dispose() => Folder.Dispose();
}
