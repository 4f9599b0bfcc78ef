using Pipeline.Trainer.Collectives;
using Pipeline.Trainer.Models;
using Pipeline.Trainer.Training;
using static TorchSharp.torch;

namespace Pipeline.Trainer.Tests;

/// <summary>Gradient accumulation as open_clip's <c>--accum-freq</c>: micro-batches give the whole batch's gradient.</summary>
public sealed class GradientAccumulationTests
{
    [Theory]
    [InlineData(false, 4)]
    [InlineData(true, 4)]
    [InlineData(false, 3)]
    public void Micro_batches_give_the_gradient_of_one_whole_batch_in_every_parameter(bool sigmoidLoss, int microBatches)
    {
        manual_seed(21);
        using var model = new ClipModel(ClipConfig.Tiny with { VocabularySize = 600 }, endId: 599, sigmoidLoss);
        using var scope = NewDisposeScope();
        var images = randn(64, 3, 32, 32);
        var tokens = randint(1, 598, [64, 77]);
        tokens[.., 9] = tensor(599L); // an end token to pool at

        var whole = Gradients(model, images, tokens, 1);
        var accumulated = Gradients(model, images, tokens, microBatches);

        Assert.Equal(whole.Loss, accumulated.Loss, 4);
        Assert.Equal(whole.Gradients.Keys, accumulated.Gradients.Keys);
        foreach (var (name, expected) in whole.Gradients)
        {
            var difference = (expected - accumulated.Gradients[name]).abs().max().item<float>();
            Assert.True(difference < 1e-5, $"{name}: gradients differ by {difference}");
        }
    }

    private static (float Loss, Dictionary<string, Tensor> Gradients) Gradients(ClipModel model, Tensor images, Tensor tokens, int microBatches)
    {
        model.zero_grad();
        var loss = ContrastiveStep.Backward(model, images, tokens, new SingleProcessCollectives(), microBatches).item<float>();
        return (loss, model.named_parameters().ToDictionary(p => p.name, p => p.parameter.grad!.clone()));
    }
}
