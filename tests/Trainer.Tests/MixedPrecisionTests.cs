using Pipeline.Trainer.Collectives;
using Pipeline.Trainer.Models;
using Pipeline.Trainer.Training;
using static TorchSharp.torch;

namespace Pipeline.Trainer.Tests;

/// <summary>bf16 and fp16 compute over fp32 master weights, and fp16's loss scale.</summary>
public sealed class MixedPrecisionTests
{
    [Theory]
    [InlineData(TrainingPrecision.Bf16, ScalarType.BFloat16)]
    [InlineData(TrainingPrecision.Fp16, ScalarType.Float16)]
    public void The_copy_computes_in_low_precision_and_the_master_receives_fp32_gradients_close_to_fp32s(TrainingPrecision precision, ScalarType computeType)
    {
        manual_seed(5);
        using var model = new ClipModel(ClipConfig.Tiny with { VocabularySize = 600 }, endId: 599);
        using var scope = NewDisposeScope();
        var (images, tokens) = Batch(32);
        ContrastiveStep.Backward(model, images, tokens, new SingleProcessCollectives(), 1);
        var exact = model.named_parameters().ToDictionary(p => p.name, p => p.parameter.grad!.clone());
        model.zero_grad();

        // A scale that fp16 holds at this model's first step (2^16, the default, overflows there and would be lowered).
        using var mixed = new MixedPrecisionModel(model, 599, precision, new DynamicLossScaler(256));
        Assert.All(mixed.Compute.parameters(), p => Assert.Equal(computeType, p.dtype));
        var (imageFeatures, _) = mixed.Compute.forward(images, tokens);
        Assert.Equal(ScalarType.Float32, imageFeatures.dtype); // the loss is computed in fp32
        ContrastiveStep.Backward(model, images, tokens, new SingleProcessCollectives(), 1, mixed);
        Assert.True(mixed.UnscaleGradients());

        Assert.All(mixed.Compute.parameters(), p => Assert.Null(p.grad)); // moved to the master
        var differs = false;
        foreach (var (name, parameter) in model.named_parameters())
        {
            var gradient = parameter.grad!;
            Assert.Equal(ScalarType.Float32, gradient.dtype);
            var cosine = nn.functional.cosine_similarity(gradient.flatten(), exact[name].flatten(), dim: 0).item<float>();
            Assert.True(cosine > 0.98, $"{name}: {precision} gradient's cosine to fp32's is {cosine}");
            differs |= (gradient - exact[name]).abs().max().item<float>() > 0;
        }

        Assert.True(differs, "low precision gave fp32's gradients bit for bit: it did not compute in low precision");
    }

    [Fact]
    public void An_fp16_step_whose_gradients_overflow_is_refused_and_halves_the_scale()
    {
        manual_seed(6);
        using var model = new ClipModel(ClipConfig.Tiny with { VocabularySize = 600 }, endId: 599);
        using var scope = NewDisposeScope();
        var (images, tokens) = Batch(16);
        // 2^40 times the loss overflows float16 (largest 65,504) in the backward pass.
        using var mixed = new MixedPrecisionModel(model, 599, TrainingPrecision.Fp16, new DynamicLossScaler(Math.Pow(2, 40)));
        ContrastiveStep.Backward(model, images, tokens, new SingleProcessCollectives(), 1, mixed);

        Assert.False(mixed.UnscaleGradients());
        Assert.Equal(Math.Pow(2, 39), mixed.LossScale);
        Assert.Equal(1, mixed.Scaler!.SkippedSteps);
    }

    [Fact]
    public void The_loss_scale_halves_on_overflow_and_doubles_after_a_run_of_clean_steps()
    {
        var scaler = new DynamicLossScaler(1_024);
        scaler.Update(gradientsFinite: false);
        Assert.Equal(512, scaler.Scale);
        for (var i = 0; i < DynamicLossScaler.GrowthInterval - 1; i++)
        {
            scaler.Update(gradientsFinite: true);
        }

        Assert.Equal(512, scaler.Scale);
        scaler.Update(gradientsFinite: true);
        Assert.Equal(1_024, scaler.Scale);
        Assert.Equal(0, scaler.CleanSteps);
        Assert.Equal(1, scaler.SkippedSteps);
    }

    private static (Tensor Images, Tensor Tokens) Batch(int size)
    {
        var images = randn(size, 3, 32, 32);
        var tokens = randint(1, 598, [size, 77]);
        tokens[.., 9] = tensor(599L); // an end token to pool at
        return (images, tokens);
    }
}
