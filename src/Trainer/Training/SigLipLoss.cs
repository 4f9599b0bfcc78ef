using Pipeline.Trainer.Collectives;
using Pipeline.Trainer.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace Pipeline.Trainer.Training;

/// <summary>
/// SigLIP's loss (Zhai et al. 2023): every image-caption pair of the global batch is a binary classification,
/// logit = exp(scale) · cos(image, caption) + bias, label +1 for the matching pair and −1 for every other; the loss is
/// −Σ log σ(label · logit) over all pairs, divided by the number of images. Over several ranks, as
/// <see cref="ClipLoss"/> does, each rank gathers the features, puts its own gradient-carrying ones back in its
/// slice and computes the loss of the whole global batch, so summing the ranks' gradients gives the one-process
/// gradient of every encoder weight; the scale's and the bias's gradients, complete on each rank, are then divided
/// by the world size (<see cref="ClipLoss.AverageLogitScaleGradient"/>).
/// </summary>
public static class SigLipLoss
{
    /// <summary>The loss of the global batch, from this rank's normalised features, the log temperature and the bias.</summary>
    public static Tensor Compute(Tensor imageFeatures, Tensor textFeatures, Tensor logitScale, Tensor logitBias, ICollectives collectives)
    {
        ArgumentNullException.ThrowIfNull(imageFeatures);
        ArgumentNullException.ThrowIfNull(textFeatures);
        ArgumentNullException.ThrowIfNull(logitScale);
        ArgumentNullException.ThrowIfNull(logitBias);
        ArgumentNullException.ThrowIfNull(collectives);
        var images = ClipLoss.Gather(imageFeatures, collectives);
        var texts = ClipLoss.Gather(textFeatures, collectives);
        var logits = logitScale.exp().mul(images.matmul(texts.t())).add(logitBias, HeldScalars.One);
        // +1 on the diagonal, −1 elsewhere: 2·I − 1.
        using var rows = logits.shape[0].ToScalar();
        var labels = eye(logits.shape[0], dtype: logits.dtype, device: logits.device).mul(HeldScalars.Two).sub(HeldScalars.One);
        return nn.functional.logsigmoid(labels.mul(logits)).sum().neg().div(rows);
    }
}
