using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Pipeline.Trainer.Models;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Pipeline.Trainer.Checkpoints;

/// <summary>
/// Checkpoints in <c>FOLDER/step-NNNNNNNN/</c>: <c>model.bin</c>, <c>optimizer.bin</c> and <c>state.json</c>.
/// A checkpoint is written into a <c>.partial</c> folder and renamed when whole, so a killed run leaves the
/// previous one intact; the newest whole one is what <c>--resume</c> loads. The oldest beyond
/// <see cref="Keep"/> are removed.
/// </summary>
public sealed class CheckpointStore(string folder, int keep = 3)
{
    public const string ModelFile = "model.bin";
    public const string OptimizerFile = "optimizer.bin";
    public const string StateFile = "state.json";

    /// <summary>
    /// The folder of a run that holds its best zero-shot evaluation's weights, <c>RUN/best/step-N/</c> (one checkpoint,
    /// replaced only by a strictly higher top-1; written like any checkpoint, so the previous best is removed only
    /// once the new one is in place).
    /// </summary>
    public const string BestFolder = "best";

    /// <summary>The folder of a run that holds its checkpoints for resuming, <c>RUN/checkpoints/step-N/</c>.</summary>
    public const string CheckpointsFolder = "checkpoints";

    // Enums as names (older checkpoints wrote numbers, which still read).
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase, Converters = { new JsonStringEnumConverter() } };

    public string Folder { get; } = folder;

    public int Keep { get; } = keep;

    /// <summary>The folder a checkpoint of <paramref name="step"/> is written to while incomplete.</summary>
    public string PartialFolder(int step) => Path.Combine(Folder, Name(step) + ".partial");

    /// <summary>
    /// Writes the weights, the optimizer (none for an imported model's checkpoint, <see cref="TrainingState.ImportedFrom"/>)
    /// and <paramref name="state"/> and publishes them as one checkpoint.
    /// </summary>
    public async Task<string> SaveAsync(ClipModel model, OptimizerHelper? optimizer, TrainingState state, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(state);
        var partial = PartialFolder(state.Step);
        Directory.CreateDirectory(partial);
        model.save(Path.Combine(partial, ModelFile));
        optimizer?.save_state_dict(Path.Combine(partial, OptimizerFile));
        await File.WriteAllBytesAsync(Path.Combine(partial, StateFile), JsonSerializer.SerializeToUtf8Bytes(state, Json), cancellationToken);
        var final = Path.Combine(Folder, Name(state.Step));
        if (Directory.Exists(final))
        {
            Directory.Delete(final, recursive: true);
        }

        Directory.Move(partial, final);
        foreach (var old in Complete().SkipLast(Keep))
        {
            Directory.Delete(old.Path, recursive: true);
        }

        return final;
    }

    /// <summary>The newest whole checkpoint's folder, or null when there is none.</summary>
    public string? Latest() => Complete().LastOrDefault().Path;

    /// <summary>
    /// The checkpoint a user means by <paramref name="given"/>: a checkpoint folder, a file in one (its
    /// <c>model.bin</c>), a run folder (its best checkpoint, <see cref="BestFolder"/>, when it evaluated during training;
    /// else its newest), a run's <c>checkpoints</c> folder (the newest) or its <c>best</c> folder; null when it is none
    /// of these. Resuming does not use it: a run resumes from its newest checkpoint (<see cref="Latest"/>).
    /// </summary>
    public static string? Find(string given)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(given);
        var folder = File.Exists(given) ? Path.GetDirectoryName(Path.GetFullPath(given))! : given;
        if (File.Exists(Path.Combine(folder, StateFile)))
        {
            return folder;
        }

        return new CheckpointStore(Path.Combine(folder, BestFolder)).Latest()
            ?? new CheckpointStore(Path.Combine(folder, CheckpointsFolder)).Latest()
            ?? new CheckpointStore(folder).Latest();
    }

    /// <summary>The run folder a checkpoint folder belongs to (<c>RUN/checkpoints/step-N</c> or <c>RUN/best/step-N</c>), where its <c>tokenizer/</c> is.</summary>
    public static string RunFolderOf(string checkpoint) => Path.GetDirectoryName(Path.GetDirectoryName(Path.GetFullPath(checkpoint).TrimEnd('/')))!;

    /// <summary>Reads a checkpoint's state.</summary>
    /// <exception cref="InvalidDataException">The state file is missing or malformed.</exception>
    public static async Task<TrainingState> ReadStateAsync(string checkpoint, CancellationToken cancellationToken)
    {
        var path = Path.Combine(checkpoint, StateFile);
        try
        {
            await using var stream = File.OpenRead(path);
            return await JsonSerializer.DeserializeAsync<TrainingState>(stream, Json, cancellationToken) ?? throw new InvalidDataException($"{path}: empty");
        }
        catch (Exception e) when (e is JsonException or FileNotFoundException or DirectoryNotFoundException)
        {
            throw new InvalidDataException($"{path}: not a readable checkpoint state: {e.Message}", e);
        }
    }

    /// <summary>Loads a checkpoint's weights into <paramref name="model"/> and, when given, its moments into <paramref name="optimizer"/>.</summary>
    public static void LoadWeights(string checkpoint, ClipModel model, OptimizerHelper? optimizer)
    {
        ArgumentNullException.ThrowIfNull(model);
        model.load(Path.Combine(checkpoint, ModelFile));
        optimizer?.load_state_dict(Path.Combine(checkpoint, OptimizerFile));
    }

    /// <summary>libtorch's generator state as text, for <see cref="TrainingState.RngState"/>.</summary>
    public static string SaveRng()
    {
        using var state = get_rng_state();
        return Convert.ToBase64String(state.bytes);
    }

    /// <summary>Restores a state saved by <see cref="SaveRng"/>.</summary>
    public static void RestoreRng(string saved)
    {
        var bytes = Convert.FromBase64String(saved);
        using var state = empty(bytes.Length, ScalarType.Byte);
        bytes.CopyTo(state.bytes);
        set_rng_state(state);
    }

    private IEnumerable<(int Step, string Path)> Complete()
    {
        if (!Directory.Exists(Folder))
        {
            return [];
        }

        return Directory.EnumerateDirectories(Folder, "step-*")
            .Select(path => (Name: System.IO.Path.GetFileName(path), Path: path))
            .Where(d => !d.Name.EndsWith(".partial", StringComparison.Ordinal) && File.Exists(System.IO.Path.Combine(d.Path, StateFile)))
            .Select(d => (Step: int.Parse(d.Name["step-".Length..], CultureInfo.InvariantCulture), d.Path))
            .OrderBy(d => d.Step);
    }

    private static string Name(int step) => string.Create(CultureInfo.InvariantCulture, $"step-{step:D8}");
}
