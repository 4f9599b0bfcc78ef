using Pipeline.Trainer.Data;
using Pipeline.Trainer.Models;
using Pipeline.Trainer.Tokenization;
using static TorchSharp.torch;

namespace Pipeline.Trainer.Evaluation;

/// <summary>
/// CLIP's zero-shot classifier: every class name is put into every prompt template, the captions' embeddings are
/// averaged and renormalised into one embedding per class, and an image's class is the one most similar to it.
/// </summary>
public static class ZeroShotClassifier
{
    /// <summary>A few of CLIP's ImageNet templates.</summary>
    public static IReadOnlyList<string> DefaultTemplates { get; } = ["a photo of a {}.", "a picture of a {}.", "an image of a {}.", "a {}.", "a photo of the {}."];

    /// <summary>Top-1 and top-5 of <paramref name="model"/> on <paramref name="set"/>.</summary>
    public static ZeroShotResult Evaluate(ClipModel model, ClipTokenizer tokenizer, LabeledImageFolder set, IReadOnlyList<string>? templates = null, int batch = 64, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentNullException.ThrowIfNull(set);
        templates ??= DefaultTemplates;
        var device = model.LogitScale.device;
        var wasTraining = model.training;
        model.eval();
        try
        {
            using var noGrad = no_grad();
            using var scope = NewDisposeScope();
            var classes = ClassEmbeddings(model, tokenizer, set.Classes, templates, device);
            var preprocessor = new ImagePreprocessor(model.Config.ImageSize);
            long top1 = 0, top5 = 0;
            foreach (var chunk in set.Images.Chunk(batch))
            {
                cancellationToken.ThrowIfCancellationRequested();
                using var chunkScope = NewDisposeScope();
                var pixels = new float[chunk.Length * preprocessor.Length];
                Parallel.For(0, chunk.Length, i => preprocessor.Process(File.ReadAllBytes(chunk[i].Path), pixels.AsSpan(i * preprocessor.Length, preprocessor.Length)));
                var images = tensor(pixels, [chunk.Length, 3, preprocessor.Size, preprocessor.Size]).to(device);
                var scores = model.EncodeImage(images).matmul(classes.t());
                var best = scores.topk(Math.Min(5, set.Classes.Count), dim: 1).indexes.cpu();
                var labels = tensor(chunk.Select(c => (long)c.Label).ToArray()).unsqueeze(1);
                var hits = best.eq(labels);
                top1 += hits[.., 0].sum().item<long>();
                top5 += hits.any(1).sum().item<long>();
            }

            return new ZeroShotResult(set.Images.Count, set.Classes.Count, (double)top1 / set.Images.Count, (double)top5 / set.Images.Count);
        }
        finally
        {
            model.train(wasTraining);
        }
    }

    private static Tensor ClassEmbeddings(ClipModel model, ClipTokenizer tokenizer, IReadOnlyList<string> classes, IReadOnlyList<string> templates, Device device)
    {
        var context = tokenizer.ContextLength;
        var tokens = new long[classes.Count * templates.Count * context];
        var row = 0;
        foreach (var name in classes)
        {
            foreach (var template in templates)
            {
                tokenizer.Encode(template.Replace("{}", name, StringComparison.Ordinal), tokens.AsSpan(row++ * context, context));
            }
        }

        var embedded = model.EncodeText(tensor(tokens, [row, context]).to(device));
        var averaged = embedded.view(classes.Count, templates.Count, -1).mean([1]);
        return nn.functional.normalize(averaged, dim: -1);
    }
}
