using Pipeline.Trainer.Checkpoints;
using Pipeline.Trainer.Models;
using Pipeline.Trainer.Tokenization;
using Pipeline.Trainer.Training;

namespace Pipeline.Trainer.Interop;

/// <summary>
/// A trained model as files PyTorch and open_clip load: the weights under OpenAI CLIP's names
/// (<see cref="OpenAiStateDict"/>) in a <c>.pt</c> or <c>.safetensors</c> file (<see cref="StateDictFile"/>), open_clip's
/// model config as <c>STEM.json</c> beside it, and the tokenizer's <c>vocab.json</c> and <c>merges.txt</c> beside it
/// too. <see cref="ExportAsync"/> writes them from a checkpoint; <see cref="ImportAsync"/> turns them back into a
/// checkpoint the trainer starts from.
/// </summary>
public static class PyTorchModelFiles
{
    /// <summary>The model configuration an import writes into the run folder, for <c>--model</c>.</summary>
    public const string RunConfigFile = "model.json";

    /// <summary>The model-config file that goes with <paramref name="weights"/>: <c>STEM.json</c> beside it.</summary>
    public static string ConfigPathOf(string weights) => Path.ChangeExtension(Path.GetFullPath(weights), ".json");

    /// <summary>
    /// Exports the checkpoint <paramref name="checkpointOrRun"/> names (<see cref="CheckpointStore.Find"/>) to
    /// <paramref name="weights"/>, with the tokenizer from <paramref name="tokenizerFolder"/> or the run's <c>tokenizer/</c>.
    /// </summary>
    /// <exception cref="ArgumentException">No checkpoint is there, or <paramref name="weights"/> has an unknown extension or would clash with the tokenizer's files.</exception>
    /// <exception cref="InvalidDataException">The checkpoint or tokenizer cannot be read.</exception>
    public static async Task<ExportedModel> ExportAsync(string checkpointOrRun, string weights, string? tokenizerFolder, CancellationToken cancellationToken)
    {
        var checkpoint = CheckpointStore.Find(checkpointOrRun) ?? throw new ArgumentException($"{checkpointOrRun}: neither a checkpoint nor a run folder with checkpoints");
        CheckTarget(weights);
        var state = await CheckpointStore.ReadStateAsync(checkpoint, cancellationToken);
        var tokenizer = new ClipTokenizer(await BpeVocabulary.LoadAsync(tokenizerFolder ?? Path.Combine(CheckpointStore.RunFolderOf(checkpoint), "tokenizer"), cancellationToken));
        ClipConfig config;
        try
        {
            config = ClipConfig.Resolve(state.Config) with { VocabularySize = tokenizer.VocabularySize, ContextLength = tokenizer.ContextLength };
        }
        catch (ArgumentException ex)
        {
            throw new InvalidDataException($"{Path.Combine(checkpoint, CheckpointStore.StateFile)}: {ex.Message}", ex);
        }

        using var model = new ClipModel(config, tokenizer.EndId, sigmoidLoss: state.Loss == ContrastiveLoss.SigLip);
        try
        {
            CheckpointStore.LoadWeights(checkpoint, model, optimizer: null);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException and not OperationCanceledException)
        {
            // TorchSharp names neither the file nor the weight it stumbled on.
            throw new InvalidDataException($"{Path.Combine(checkpoint, CheckpointStore.ModelFile)}: cannot load the weights of {config.Name} with vocabulary {config.VocabularySize} into it: {ex.Message}", ex);
        }

        var files = await WriteAsync(model, tokenizer.Vocabulary, weights, cancellationToken);
        return files with { Checkpoint = checkpoint, Step = state.Step };
    }

    /// <summary>Writes <paramref name="model"/> and its tokenizer's <paramref name="vocabulary"/> as the files PyTorch and open_clip load.</summary>
    /// <exception cref="ArgumentException"><paramref name="weights"/> has an unknown extension or would clash with the tokenizer's files.</exception>
    public static async Task<ExportedModel> WriteAsync(ClipModel model, BpeVocabulary vocabulary, string weights, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(vocabulary);
        CheckTarget(weights);
        var folder = Path.GetDirectoryName(Path.GetFullPath(weights))!;
        Directory.CreateDirectory(folder);
        await vocabulary.SaveAsync(folder, cancellationToken);
        var config = ConfigPathOf(weights);
        await File.WriteAllTextAsync(config, OpenClipModelConfig.Write(model.Config, model.LogitBias is null ? null : ClipModel.SigLipInitialLogitBias), cancellationToken);
        var stateDict = OpenAiStateDict.FromModel(model);
        try
        {
            StateDictFile.Write(weights, stateDict);
            return new ExportedModel(Path.GetFullPath(weights), config, Path.Combine(folder, BpeVocabulary.VocabFile), Path.Combine(folder, BpeVocabulary.MergesFile),
                stateDict.Count, stateDict.Values.Sum(t => t.numel()));
        }
        finally
        {
            foreach (var tensor in stateDict.Values)
            {
                tensor.Dispose();
            }
        }
    }

    /// <summary>
    /// Reads files written by <see cref="WriteAsync"/> (or the same layout from elsewhere) into a model on the CPU, with
    /// its tokenizer. The caller disposes the model.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="weights"/> has an unknown extension.</exception>
    /// <exception cref="InvalidDataException">A file is missing or unreadable, or the weights do not fit the configuration; the message names the file and the key.</exception>
    public static async Task<(ClipModel Model, ClipTokenizer Tokenizer, string ConfigJson)> ReadAsync(string weights, CancellationToken cancellationToken)
    {
        if (!StateDictFile.IsKnown(weights))
        {
            throw new ArgumentException($"{weights}: the extension chooses the format: {StateDictFile.KnownExtensions}");
        }

        if (!File.Exists(weights))
        {
            throw new InvalidDataException($"{weights}: no such file");
        }

        var configPath = ConfigPathOf(weights);
        if (!File.Exists(configPath))
        {
            throw new InvalidDataException($"{configPath}: missing: the model configuration (open_clip's JSON) goes beside {Path.GetFileName(weights)}");
        }

        var json = await File.ReadAllTextAsync(configPath, cancellationToken);
        ClipConfig config;
        double? bias;
        try
        {
            config = OpenClipModelConfig.Parse(json, Path.GetFileNameWithoutExtension(weights), configPath);
            bias = OpenClipModelConfig.InitLogitBias(json, configPath);
        }
        catch (ArgumentException ex)
        {
            throw new InvalidDataException(ex.Message, ex);
        }

        var tokenizer = new ClipTokenizer(await BpeVocabulary.LoadAsync(Path.GetDirectoryName(Path.GetFullPath(weights))!, cancellationToken));
        if (tokenizer.VocabularySize != config.VocabularySize || tokenizer.ContextLength != config.ContextLength)
        {
            throw new InvalidDataException($"{configPath}: text_cfg.vocab_size {config.VocabularySize} and context_length {config.ContextLength} do not match the tokenizer beside it ({tokenizer.VocabularySize} tokens, context {tokenizer.ContextLength})");
        }

        var stateDict = StateDictFile.Read(weights);
        var model = new ClipModel(config, tokenizer.EndId, sigmoidLoss: bias is not null);
        try
        {
            OpenAiStateDict.LoadInto(model, stateDict, weights);
        }
        catch
        {
            model.Dispose();
            throw;
        }
        finally
        {
            foreach (var tensor in stateDict.Values)
            {
                tensor.Dispose();
            }
        }

        return (model, tokenizer, OpenClipModelConfig.Write(config));
    }

    /// <summary>
    /// Turns exported files into a checkpoint of a new run folder: <c>RUN/checkpoints/step-00000000/</c> (weights only,
    /// <see cref="TrainingState.ImportedFrom"/>), <c>RUN/tokenizer/</c> and <c>RUN/model.json</c>. Training with
    /// <c>--resume --model RUN/model.json</c> starts from those weights.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="weights"/> has an unknown extension, or the run folder already holds checkpoints or another tokenizer.</exception>
    /// <exception cref="InvalidDataException">A file is missing or unreadable, or the weights do not fit the configuration; the message names the file and the key.</exception>
    public static async Task<ImportedCheckpoint> ImportAsync(string weights, string runFolder, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(runFolder);
        var store = new CheckpointStore(Path.Combine(runFolder, "checkpoints"));
        if (store.Latest() is { } existing)
        {
            throw new ArgumentException($"{runFolder}: already holds checkpoint {existing}; import into a new run folder");
        }

        var (model, tokenizer, configJson) = await ReadAsync(weights, cancellationToken);
        using (model)
        {
            var tokenizerFolder = Path.Combine(runFolder, "tokenizer");
            if (Directory.Exists(tokenizerFolder))
            {
                var present = await BpeVocabulary.LoadAsync(tokenizerFolder, cancellationToken);
                if (!present.Merges.SequenceEqual(tokenizer.Vocabulary.Merges))
                {
                    throw new ArgumentException($"{tokenizerFolder}: holds another tokenizer than the one beside {weights}; import into a new run folder");
                }
            }
            else
            {
                await tokenizer.Vocabulary.SaveAsync(tokenizerFolder, cancellationToken);
            }

            var config = Path.Combine(runFolder, RunConfigFile);
            await File.WriteAllTextAsync(config, configJson, cancellationToken);
            var loss = model.LogitBias is null ? ContrastiveLoss.Clip : ContrastiveLoss.SigLip;
            var state = new TrainingState(0, configJson, WorldSize: 1, GlobalBatch: 0, Seed: 0, CheckpointStore.SaveRng(), Positions: [], loss, ImportedFrom: Path.GetFullPath(weights));
            var checkpoint = await store.SaveAsync(model, optimizer: null, state, cancellationToken);
            return new ImportedCheckpoint(checkpoint, Path.GetFullPath(config), Path.GetFullPath(tokenizerFolder), loss);
        }
    }

    private static void CheckTarget(string weights)
    {
        if (!StateDictFile.IsKnown(weights))
        {
            throw new ArgumentException($"{weights}: the extension chooses the format: {StateDictFile.KnownExtensions}");
        }

        if (Path.GetFileName(ConfigPathOf(weights)) == BpeVocabulary.VocabFile)
        {
            throw new ArgumentException($"{weights}: its configuration would be {BpeVocabulary.VocabFile}, the tokenizer's file beside it; choose another name");
        }
    }
}
