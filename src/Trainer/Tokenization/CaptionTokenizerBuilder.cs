using Pipeline.Sharding.Manifest;
using Pipeline.Sharding.Reading;
using Pipeline.Sharding.Storage;

namespace Pipeline.Trainer.Tokenization;

/// <summary>
/// The tokenizer of a run: loaded from its folder when one was saved there, otherwise trained on the first
/// captions of the shards in the reader's unshuffled seed-0 order (the same on every rank, so ranks agree without talking) and saved.
/// </summary>
public static class CaptionTokenizerBuilder
{
    /// <summary>Loads <paramref name="folder"/>, or trains on up to <paramref name="captions"/> captions and saves it there when <paramref name="save"/>.</summary>
    public static async Task<ClipTokenizer> LoadOrTrainAsync(string folder, IShardStore store, ShardManifest manifest, int vocabularySize, int captions, bool save, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(manifest);
        if (File.Exists(Path.Combine(folder, BpeVocabulary.MergesFile)))
        {
            return new ClipTokenizer(await BpeVocabulary.LoadAsync(folder, cancellationToken));
        }

        var texts = new List<string>();
        var reader = new ShardStreamReader(store, manifest, new ShardStreamOptions { ShuffleBuffer = 1, Epochs = 1 });
        await foreach (var sample in reader.ReadAsync(cancellationToken: cancellationToken))
        {
            texts.Add(sample.Caption);
            if (texts.Count >= captions)
            {
                break;
            }
        }

        var vocabulary = BpeTrainer.Train(texts, vocabularySize, cancellationToken: cancellationToken);
        if (save)
        {
            // Saved aside and renamed, so a killed run never leaves half a tokenizer to be loaded.
            var partial = folder + ".partial";
            await vocabulary.SaveAsync(partial, cancellationToken);
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }

            Directory.Move(partial, folder);
        }

        return new ClipTokenizer(vocabulary);
    }
}
