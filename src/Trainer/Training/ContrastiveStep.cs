using Pipeline.Trainer.Collectives;
using Pipeline.Trainer.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Pipeline.Trainer.Training;

/// <summary>
/// The forward and backward pass of one optimizer step under the model's contrastive loss (CLIP's, or SigLIP's when
/// the model has a bias), on the whole local batch at once or in micro-batches as open_clip's <c>--accum-freq</c> does
/// it: the features of every micro-batch are first computed without gradient, then each micro-batch is run again with
/// gradient and the loss of the whole batch is computed from its fresh features and the others' cached ones. Each
/// backward adds the gradient through one micro-batch's features, so together they give the whole batch's gradient
/// while only one micro-batch's activations are held; the scale's (and bias's) gradient, complete in each backward, is
/// divided by the number of micro-batches. In mixed precision the low-precision copy computes the features, the loss
/// (scaled for fp16) uses the master's logit scale, and each backward's gradients are added to the master's in fp32.
/// </summary>
public static class ContrastiveStep
{
    /// <summary>Accumulates the step's gradients into the model's parameters and returns the loss (detached).</summary>
    /// <param name="model">The model; its parameters' gradients are added to.</param>
    /// <param name="images">This rank's images, [B, 3, S, S].</param>
    /// <param name="tokens">This rank's captions, [B, context].</param>
    /// <param name="collectives">The ranks the loss gathers features over.</param>
    /// <param name="microBatches">1 for the whole batch at once; more splits it (at most B).</param>
    /// <param name="mixed">The low-precision copy of <paramref name="model"/> that computes, or null to compute in the model itself.</param>
    public static Tensor Backward(ClipModel model, Tensor images, Tensor tokens, ICollectives collectives, int microBatches, MixedPrecisionModel? mixed = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(tokens);
        ArgumentOutOfRangeException.ThrowIfLessThan(microBatches, 1);
        var encoder = mixed?.Compute ?? model;
        if (microBatches == 1)
        {
            var (imageFeatures, textFeatures) = encoder.forward(images, tokens);
            var loss = Loss(model, imageFeatures, textFeatures, collectives);
            Backward(loss, mixed);
            return loss.detach();
        }

        var imageChunks = images.tensor_split(microBatches);
        var tokenChunks = tokens.tensor_split(microBatches);
        var cachedImages = new Tensor[microBatches];
        var cachedTexts = new Tensor[microBatches];
        using (no_grad())
        {
            for (var j = 0; j < microBatches; j++)
            {
                (cachedImages[j], cachedTexts[j]) = encoder.forward(imageChunks[j], tokenChunks[j]);
            }
        }

        Tensor? last = null;
        for (var j = 0; j < microBatches; j++)
        {
            var (imageFeatures, textFeatures) = encoder.forward(imageChunks[j], tokenChunks[j]);
            var loss = Loss(model, cat(Replace(cachedImages, j, imageFeatures), dim: 0), cat(Replace(cachedTexts, j, textFeatures), dim: 0), collectives);
            Backward(loss, mixed);
            last = loss.detach();
        }

        using var count = microBatches.ToScalar();
        using (no_grad())
        {
            model.LogitScale.grad?.div_(count);
            model.LogitBias?.grad?.div_(count);
        }

        return last!;
    }

    private static void Backward(Tensor loss, MixedPrecisionModel? mixed)
    {
        if (mixed?.Scaler is { } scaler)
        {
            using var scale = scaler.Scale.ToScalar();
            loss.mul(scale).backward();
        }
        else
        {
            loss.backward();
        }

        mixed?.AccumulateGradients();
    }

    private static Tensor Loss(ClipModel model, Tensor imageFeatures, Tensor textFeatures, ICollectives collectives) => model.LogitBias is { } bias
        ? SigLipLoss.Compute(imageFeatures, textFeatures, model.LogitScale, bias, collectives)
        : ClipLoss.Compute(imageFeatures, textFeatures, model.LogitScale, collectives);

    private static Tensor[] Replace(Tensor[] cached, int index, Tensor fresh)
    {
        var parts = (Tensor[])cached.Clone();
        parts[index] = fresh;
        return parts;
    }
}
