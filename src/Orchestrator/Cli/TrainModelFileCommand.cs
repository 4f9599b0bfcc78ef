using System.CommandLine;
using System.Globalization;
using Pipeline.Sharding.Settings;
using Pipeline.Trainer.Interop;

namespace Pipeline.Orchestrator.Cli;

/// <summary>
/// <c>pipeline train export</c> and <c>pipeline train import</c>: a checkpoint as a PyTorch or safetensors file under
/// OpenAI CLIP's weight names with open_clip's model config and the tokenizer beside it, and such files back into a
/// checkpoint to train from (<see cref="PyTorchModelFiles"/>).
/// </summary>
public static class TrainModelFileCommand
{
    private static readonly Option<string> Checkpoint = new("--checkpoint") { Description = "A checkpoint folder, a run folder (its best/ checkpoint when it evaluated during training, else its newest) or a run's checkpoints/ folder", Required = true };

    private static readonly Option<string> Weights = WeightsFile(new("--out") { Description = $"The weights file; its extension chooses the format ({StateDictFile.KnownExtensions}); STEM.json, vocab.json and merges.txt go beside it", Required = true });

    private static readonly Option<string?> Tokenizer = new("--tokenizer") { Description = "A folder with vocab.json and merges.txt [default: the run's tokenizer/]" };

    private static readonly Option<string> Model = WeightsFile(new("--model") { Description = $"An exported weights file ({StateDictFile.KnownExtensions}) with STEM.json, vocab.json and merges.txt beside it", Required = true });

    private static readonly Option<string> Run = new("--out") { Description = "A new run folder: checkpoints/step-00000000/, tokenizer/ and model.json", Required = true };

    /// <summary>The <c>export</c> and <c>import</c> subcommands of <c>train</c>.</summary>
    public static IEnumerable<Command> Create(PipelineCli cli)
    {
        ArgumentNullException.ThrowIfNull(cli);
        var export = new Command("export", "Write a checkpoint's weights for PyTorch and open_clip: OpenAI CLIP's state-dict names in a .pt or .safetensors file, open_clip's model config and the tokenizer beside it")
        {
            Checkpoint, Weights, Tokenizer,
        };
        export.SetAction((parse, ct) => cli.RunAsync(parse, new Dictionary<string, string?>(), ExportAsync, ct));
        var import = new Command("import", "Turn an exported model (.pt or .safetensors with its config and tokenizer beside it) into a checkpoint of a new run folder to train from")
        {
            Model, Run,
        };
        import.SetAction((parse, ct) => cli.RunAsync(parse, new Dictionary<string, string?>(), ImportAsync, ct));
        return [export, import];
    }

    private static async Task<int> ExportAsync(CommandContext context, CancellationToken cancellationToken)
    {
        var parse = context.Parse;
        var files = await Refusing(() => PyTorchModelFiles.ExportAsync(parse.GetValue(Checkpoint)!, parse.GetValue(Weights)!, parse.GetValue(Tokenizer), cancellationToken));
        await context.Output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"export: {files.Checkpoint} (step {files.Step}) -> {files.Weights} ({files.Tensors} tensors, {files.Parameters:N0} parameters); beside it {Path.GetFileName(files.Config)}, {Path.GetFileName(files.Vocabulary)}, {Path.GetFileName(files.Merges)}"));
        return ExitCodes.Success;
    }

    private static async Task<int> ImportAsync(CommandContext context, CancellationToken cancellationToken)
    {
        var parse = context.Parse;
        var run = parse.GetValue(Run)!;
        var imported = await Refusing(() => PyTorchModelFiles.ImportAsync(parse.GetValue(Model)!, run, cancellationToken));
        await context.Output.WriteLineAsync(
            $"import: {Path.GetFullPath(parse.GetValue(Model)!)} -> {imported.Checkpoint} (loss {imported.Loss.ToString().ToLowerInvariant()}); train from it with: pipeline train --shards STORE --out {run} --model {imported.Config} --loss {imported.Loss.ToString().ToLowerInvariant()} --resume");
        return ExitCodes.Success;
    }

    // A wrong path, a foreign or damaged file, a weight of the wrong shape, an unwritable target: the input is wrong (exit 2).
    private static async Task<T> Refusing<T>(Func<Task<T>> action)
    {
        try
        {
            return await action();
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidDataException or IOException or UnauthorizedAccessException)
        {
            throw new PipelineConfigurationException(ex.Message, ex);
        }
    }

    private static Option<string> WeightsFile(Option<string> option)
    {
        option.Validators.Add(result =>
        {
            if (result.Tokens.Count > 0 && !StateDictFile.IsKnown(result.Tokens[^1].Value))
            {
                result.AddError($"{option.Name} {result.Tokens[^1].Value}: the extension chooses the format: {StateDictFile.KnownExtensions}");
            }
        });
        return option;
    }
}
