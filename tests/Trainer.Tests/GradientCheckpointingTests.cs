using Pipeline.Trainer.Collectives;
using Pipeline.Trainer.Models;
using Pipeline.Trainer.Training;
using static TorchSharp.torch;

namespace Pipeline.Trainer.Tests;

/// <summary>Activation checkpointing per transformer block: the same gradients, recomputed in the backward pass.</summary>
public sealed class GradientCheckpointingTests
{
    [Theory]
    [InlineData(false, 1)]
    [InlineData(true, 1)]
    [InlineData(false, 4)]
    public void Checkpointed_blocks_give_the_same_loss_and_gradients_in_every_parameter(bool sigmoidLoss, int microBatches)
    {
        manual_seed(31);
        using var model = new ClipModel(ClipConfig.Tiny with { VocabularySize = 600 }, endId: 599, sigmoidLoss);
        using var scope = NewDisposeScope();
        var images = randn(32, 3, 32, 32);
        var tokens = randint(1, 598, [32, 77]);
        tokens[.., 12] = tensor(599L);

        var plain = Gradients(model, images, tokens, microBatches);
        var recomputedBefore = BlockCheckpoint.Recomputations;
        model.GradientCheckpointing = true;
        var checkpointed = Gradients(model, images, tokens, microBatches);

        // Every block of both encoders ran again in the backward pass of every micro-batch.
        var blocks = ClipConfig.Tiny.VisionLayers + ClipConfig.Tiny.TextLayers;
        Assert.True(BlockCheckpoint.Recomputations - recomputedBefore >= blocks * microBatches);
        Assert.Equal(plain.Loss, checkpointed.Loss, 6);
        foreach (var (name, expected) in plain.Gradients)
        {
            var difference = (expected - checkpointed.Gradients[name]).abs().max().item<float>();
            Assert.True(difference < 1e-6, $"{name}: gradients differ by {difference}");
        }
    }

    [Fact]
    public void Without_gradient_recording_checkpointed_blocks_run_plainly()
    {
        manual_seed(32);
        using var model = new ClipModel(ClipConfig.Tiny with { VocabularySize = 600 }, endId: 599) { GradientCheckpointing = true };
        using var scope = NewDisposeScope();
        var images = randn(4, 3, 32, 32);
        using var noGrad = no_grad();
        var before = BlockCheckpoint.Applications;
        var features = model.EncodeImage(images);
        Assert.Equal(before, BlockCheckpoint.Applications);
        Assert.False(features.requires_grad);
    }

    private static (float Loss, Dictionary<string, Tensor> Gradients) Gradients(ClipModel model, Tensor images, Tensor tokens, int microBatches)
    {
        model.zero_grad();
        var loss = ContrastiveStep.Backward(model, images, tokens, new SingleProcessCollectives(), microBatches).item<float>();
        return (loss, model.named_parameters().ToDictionary(p => p.name, p => p.parameter.grad!.clone()));
    }
}
