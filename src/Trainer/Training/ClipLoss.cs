using Pipeline.Trainer.Collectives;
using Pipeline.Trainer.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace Pipeline.Trainer.Training;

/// <summary>
/// CLIP's symmetric InfoNCE: logits are the scaled cosine similarities of every image with every caption of the
/// global batch, and the loss is the mean of the cross-entropies over images and over captions, the matching pair
/// being the target. Over several ranks the features are gathered; each rank puts its own (gradient-carrying)
/// features back in its slice and computes the loss of the whole global batch. Summing the ranks' gradients then
/// gives exactly the one-process gradient of every encoder weight, while the logit scale's gradient, complete on
/// each rank, must be divided by the world size (<see cref="AverageLogitScaleGradient"/>).
/// </summary>
public static class ClipLoss
{
    /// <summary>The loss of the global batch, from this rank's normalised features and the learned log temperature.</summary>
    public static Tensor Compute(Tensor imageFeatures, Tensor textFeatures, Tensor logitScale, ICollectives collectives)
    {
        ArgumentNullException.ThrowIfNull(imageFeatures);
        ArgumentNullException.ThrowIfNull(textFeatures);
        ArgumentNullException.ThrowIfNull(logitScale);
        ArgumentNullException.ThrowIfNull(collectives);
        var images = Gather(imageFeatures, collectives);
        var texts = Gather(textFeatures, collectives);
        var logitsPerImage = logitScale.exp().mul(images.matmul(texts.t()));
        using var rows = logitsPerImage.shape[0].ToScalar();
        var labels = arange(HeldScalars.Zero, rows, HeldScalars.One, dtype: ScalarType.Int64, device: logitsPerImage.device);
        var imageLoss = nn.functional.cross_entropy(logitsPerImage, labels);
        var textLoss = nn.functional.cross_entropy(logitsPerImage.t(), labels);
        return imageLoss.add(textLoss, HeldScalars.One).mul(HeldScalars.Half);
    }

    /// <summary>After gradients were summed over the ranks: the logit scale's gradient was counted once per rank.</summary>
    public static void AverageLogitScaleGradient(Tensor logitScale, int worldSize)
    {
        ArgumentNullException.ThrowIfNull(logitScale);
        if (worldSize > 1 && logitScale.grad is { } gradient)
        {
            using var noGrad = no_grad();
            using var ranks = worldSize.ToScalar();
            gradient.div_(ranks);
        }
    }

    /// <summary>The global batch's features, gathered from every rank, with this rank's own (gradient-carrying) rows in its slice.</summary>
    internal static Tensor Gather(Tensor local, ICollectives collectives)
    {
        if (collectives.WorldSize == 1)
        {
            return local;
        }

        var all = collectives.AllGather(local);
        var rows = local.shape[0];
        var parts = new List<Tensor>(3);
        if (collectives.Rank > 0)
        {
            parts.Add(all.narrow(0, 0, collectives.Rank * rows));
        }

        parts.Add(local);
        var after = all.shape[0] - ((collectives.Rank + 1) * rows);
        if (after > 0)
        {
            parts.Add(all.narrow(0, (collectives.Rank + 1) * rows, after));
        }

        return cat(parts, dim: 0);
    }
}
