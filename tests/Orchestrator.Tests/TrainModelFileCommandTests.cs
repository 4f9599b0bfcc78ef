using Pipeline.Orchestrator.Cli;
using Pipeline.TestServices;
using Pipeline.Trainer.Interop;
using Pipeline.Trainer.Models;
using Pipeline.Trainer.Tokenization;
using static TorchSharp.torch;

namespace Pipeline.Orchestrator.Tests;

/// <summary>
/// <c>pipeline train import</c> and <c>train export</c> in this process: an exported model becomes a run's checkpoint and
/// comes back out with the same tensors; a file that does not fit is one error line naming the file and the key (exit 2).
/// </summary>
public sealed class TrainModelFileCommandTests : IDisposable
{
    private readonly TemporaryFolder _folder = new("train-model-files");

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task Import_then_export_gives_back_the_same_tensors_and_a_misfit_is_one_error_line()
    {
        var tokenizer = new ClipTokenizer(new BpeVocabulary([]));
        var weights = _folder.Combine("exported", "tiny.pt");
        using (var model = new ClipModel(ClipConfig.Tiny with { VocabularySize = tokenizer.VocabularySize }, tokenizer.EndId))
        {
            await PyTorchModelFiles.WriteAsync(model, tokenizer.Vocabulary, weights, CancellationToken.None);
        }

        var run = _folder.Combine("run");
        var imported = await InvokeAsync(["train", "import", "--model", weights, "--out", run]);
        Assert.True(imported.Code == 0, imported.Error);
        Assert.Contains($"--model {Path.Combine(run, "model.json")} --loss clip --resume", imported.Output, StringComparison.Ordinal);

        var again = _folder.Combine("again", "tiny.safetensors");
        var exported = await InvokeAsync(["train", "export", "--checkpoint", run, "--out", again]);
        Assert.True(exported.Code == 0, exported.Error);
        Assert.StartsWith($"export: {Path.Combine(run, "checkpoints", "step-00000000")} (step 0) -> {again} (62 tensors,", exported.Output, StringComparison.Ordinal);
        var before = StateDictFile.Read(weights);
        var after = StateDictFile.Read(again);
        Assert.Equal(before.Keys.Order(), after.Keys.Order());
        Assert.All(before, p => Assert.True(p.Value.eq(after[p.Key]).all().item<bool>(), p.Key));
        Assert.Equal(await File.ReadAllTextAsync(PyTorchModelFiles.ConfigPathOf(weights)), await File.ReadAllTextAsync(PyTorchModelFiles.ConfigPathOf(again)));

        var twice = await InvokeAsync(["train", "import", "--model", weights, "--out", run]);
        AssertOneError(twice, $"{run}: already holds checkpoint {Path.Combine(run, "checkpoints", "step-00000000")}; import into a new run folder");

        var misfit = _folder.Combine("exported", "misfit.pt");
        File.Copy(PyTorchModelFiles.ConfigPathOf(weights), PyTorchModelFiles.ConfigPathOf(misfit));
        StateDictFile.Write(misfit, new Dictionary<string, Tensor>(before) { ["token_embedding.weight"] = zeros(600, 64) });
        var refused = await InvokeAsync(["train", "import", "--model", misfit, "--out", _folder.Combine("run-2")]);
        AssertOneError(refused, $"{misfit}: token_embedding.weight has shape [600, 64], the configuration's model (embed 64,");

        var nothing = await InvokeAsync(["train", "export", "--checkpoint", _folder.Combine("nowhere"), "--out", _folder.Combine("x.pt")]);
        AssertOneError(nothing, $"{_folder.Combine("nowhere")}: neither a checkpoint nor a run folder with checkpoints");
        foreach (var tensor in before.Values.Concat(after.Values))
        {
            tensor.Dispose();
        }
    }

    private static async Task<(int Code, string Output, string Error)> InvokeAsync(string[] arguments)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var code = await new PipelineCli(output, error).InvokeAsync(arguments);
        return (code, output.ToString(), error.ToString());
    }

    private static void AssertOneError((int Code, string Output, string Error) result, string expected)
    {
        Assert.True(result.Code == 2, $"exit code {result.Code}: {result.Error}");
        var line = Assert.Single(result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        Assert.StartsWith($"pipeline: error: {expected}", line, StringComparison.Ordinal);
    }
}
