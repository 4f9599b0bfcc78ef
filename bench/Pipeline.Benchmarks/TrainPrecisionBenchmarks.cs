using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Pipeline.Trainer.Collectives;
using Pipeline.Trainer.Models;
using Pipeline.Trainer.Training;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Pipeline.Benchmarks;

/// <summary>
/// One training step's throughput and peak memory on the CPU in fp32 and bf16, with and without activation
/// checkpointing, beside PyTorch's step of the same model (infra/gpu/clip_step.py on Debian's python3-torch) in the
/// same run. Every configuration runs in a process of its own (ours: this program's hidden <c>train-step</c> mode), so
/// each peak resident memory is that configuration's alone. Both sides time forward, CLIP's loss, backward and AdamW on
/// random tensors at the same batch, vocabulary and threads.
/// </summary>
internal static class TrainPrecisionBenchmarks
{
    private const int Vocabulary = 2_000;
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public static async Task RunAsync(string model, int batch, int steps, int warmup)
    {
        var threads = Environment.ProcessorCount;
        var script = Path.Combine(RepositoryRoot(), "infra", "gpu", "clip_step.py");
        foreach (var precision in new[] { "fp32", "bf16" })
        {
            foreach (var checkpointing in new[] { false, true })
            {
                var common = new[] { batch, steps, warmup }.Select(n => n.ToString(CultureInfo.InvariantCulture)).ToArray();
                var ours = await ChildProcessMeter.RunAsync("ours", [.. ScaleBenchmarks.SelfCommand(), "train-step", model, precision, checkpointing ? "1" : "0", .. common], Environment.CurrentDirectory, new Dictionary<string, string>(), CancellationToken.None);
                List<string> reference = ["/usr/bin/python3", script, "--model", model, "--vocab-size", Vocabulary.ToString(CultureInfo.InvariantCulture), "--batch", common[0], "--steps", common[1], "--warmup", common[2], "--threads", threads.ToString(CultureInfo.InvariantCulture), "--precision", precision];
                if (checkpointing)
                {
                    reference.Add("--grad-checkpointing");
                }

                var pytorch = await ChildProcessMeter.RunAsync("pytorch", reference, Environment.CurrentDirectory, new Dictionary<string, string>(), CancellationToken.None);
                if (ours.ExitCode != 0 || pytorch.ExitCode != 0)
                {
                    throw new InvalidOperationException($"train-precision: {(ours.ExitCode != 0 ? "ours" : "pytorch")} exited {(ours.ExitCode != 0 ? ours.ExitCode : pytorch.ExitCode)}");
                }

                var oursRate = LastNumber(ours.Output, "samples_per_s");
                var (pytorchRate, torchVersion) = (LastNumber(pytorch.Output, "samples_per_s"), LastText(pytorch.Output, "torch"));
                Console.WriteLine(JsonSerializer.Serialize(new
                {
                    Bench = $"train.step_samples_per_s ({model}, {precision}, checkpointing {(checkpointing ? "on" : "off")}, batch {batch}, {threads} threads)",
                    Operations = steps * batch,
                    OpsPerSecond = Math.Round(oursRate, 2),
                    Baseline = $"PyTorch {torchVersion} (Debian python3-torch) step of the same model, same batch and threads",
                    BaselineOpsPerSecond = Math.Round(pytorchRate, 2),
                    Ratio = Math.Round(oursRate / pytorchRate, 3),
                    PeakRssMb = ours.PeakRssBytes >> 20,
                    BaselinePeakRssMb = pytorch.PeakRssBytes >> 20,
                }, Json));
            }
        }
    }

    /// <summary>The hidden <c>train-step</c> mode: times our step in one configuration and prints one JSON line.</summary>
    public static void RunStep(string[] args)
    {
        var (model, precision, checkpointing) = (args[1], Enum.Parse<TrainingPrecision>(args[2], ignoreCase: true), args[3] == "1");
        var (batch, steps, warmup) = (int.Parse(args[4], CultureInfo.InvariantCulture), int.Parse(args[5], CultureInfo.InvariantCulture), int.Parse(args[6], CultureInfo.InvariantCulture));
        var config = ClipConfig.Resolve(model) with { VocabularySize = Vocabulary };
        var samplesPerSecond = RandomTensorSteps(config, endId: Vocabulary - 1, batch, steps, warmup, precision, checkpointing);
        Console.WriteLine(JsonSerializer.Serialize(new { SamplesPerS = samplesPerSecond }, Json));
    }

    /// <summary>Samples per second of whole steps (forward, loss, backward, AdamW) on one random batch, after <paramref name="warmup"/> untimed steps.</summary>
    internal static double RandomTensorSteps(ClipConfig config, long endId, int batch, int steps, int warmup, TrainingPrecision precision = TrainingPrecision.Fp32, bool checkpointing = false)
    {
        manual_seed(0);
        using var master = new ClipModel(config, endId) { GradientCheckpointing = checkpointing };
        using var mixed = precision == TrainingPrecision.Fp32 ? null : new MixedPrecisionModel(master, endId, precision);
        using var optimizer = new HeldScalarAdamW([new AdamW.ParamGroup { Parameters = master.parameters() }], lr: 1e-4, beta1: 0.9, beta2: 0.98, eps: 1e-6, weightDecay: 0.2);
        using var images = randn(batch, 3, config.ImageSize, config.ImageSize);
        using var tokens = randint(1, config.VocabularySize - 2, [batch, config.ContextLength]);
        tokens[.., 20] = tensor(endId);
        var collectives = new SingleProcessCollectives();
        var clock = new Stopwatch();
        for (var step = 0; step < steps + warmup; step++)
        {
            if (step == warmup)
            {
                clock.Start();
            }

            using var scope = NewDisposeScope();
            ContrastiveStep.Backward(master, images, tokens, collectives, 1, mixed);
            if (mixed?.UnscaleGradients() ?? true)
            {
                optimizer.step();
            }

            optimizer.zero_grad();
            mixed?.LoadWeights();
        }

        return steps * batch / clock.Elapsed.TotalSeconds;
    }

    private static double LastNumber(string output, string field) => LastLine(output).GetProperty(field).GetDouble();

    private static string LastText(string output, string field) => LastLine(output).GetProperty(field).GetString() ?? "?";

    private static JsonElement LastLine(string output) =>
        JsonDocument.Parse(output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Last(l => l.TrimStart().StartsWith('{'))).RootElement;

    private static string RepositoryRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "Pipeline.sln")))
            {
                return folder.FullName;
            }
        }

        throw new InvalidOperationException("train-precision: run from the repository (Pipeline.sln not found above the program)");
    }
}
