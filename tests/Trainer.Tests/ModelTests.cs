using Pipeline.Trainer.Collectives;
using Pipeline.Trainer.Models;
using Pipeline.Trainer.Runtime;
using Pipeline.Trainer.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Pipeline.Trainer.Tests;

public sealed class ModelTests
{
    [Fact]
    public void ViT_B_32_has_the_parameter_count_of_OpenAIs_checkpoint()
    {
        // 151,277,313: the sum over the tensors of OpenAI's released ViT-B/32 state dict.
        using var model = new ClipModel(ClipConfig.VitB32, endId: 49_407);
        Assert.Equal(151_277_313, model.parameters().Sum(p => p.numel()));
    }

    [Fact]
    public void Encodes_to_unit_vectors_and_pools_text_at_the_end_token()
    {
        manual_seed(3);
        using var model = new ClipModel(ClipConfig.Tiny with { VocabularySize = 600 }, endId: 599);
        model.eval();
        using var scope = NewDisposeScope();
        var images = randn(4, 3, 32, 32);
        var tokens = zeros(new long[] { 2, 77 }, ScalarType.Int64);
        tokens[0, 0] = tensor(598L);
        tokens[0, 1] = tensor(17L);
        tokens[0, 2] = tensor(599L);
        tokens[1] = tokens[0].clone();
        tokens[1, 5] = tensor(42L); // after the end token: padding a causal model at the end position cannot see

        var (imageFeatures, textFeatures) = model.forward(images, tokens);

        Assert.Equal([4L, 64], imageFeatures.shape);
        Assert.True(imageFeatures.norm(1).sub(HeldScalars.One).abs().max().item<float>() < 1e-5);
        Assert.True((textFeatures[0] - textFeatures[1]).abs().max().item<float>() < 1e-6);
        Assert.Equal(Math.Log(1 / 0.07), model.LogitScale.item<float>(), 5);
    }

    [Fact]
    public void The_loss_is_the_mean_of_both_cross_entropies_and_the_scale_is_clamped_at_ln_100()
    {
        using var scope = NewDisposeScope();
        var images = nn.functional.normalize(tensor(new float[] { 1, 0, 0.6f, 0.8f }, [2, 2]), dim: -1);
        var texts = nn.functional.normalize(tensor(new float[] { 1, 0, 0, 1 }, [2, 2]), dim: -1);
        var scale = tensor((float)Math.Log(10));

        var loss = ClipLoss.Compute(images, texts, scale, new SingleProcessCollectives()).item<float>();

        // logits = 10 * [[1, 0], [0.6, 0.8]]; rows: images, columns: texts.
        static double Ce(double right, double wrong) => -right + Math.Log(Math.Exp(right) + Math.Exp(wrong));
        var expected = ((Ce(10, 0) + Ce(8, 6)) / 2 + (Ce(10, 6) + Ce(8, 0)) / 2) / 2;
        Assert.Equal(expected, loss, 4);

        using var model = new ClipModel(ClipConfig.Tiny with { VocabularySize = 600 }, endId: 599);
        using (no_grad())
        {
            using var seven = 7.0.ToScalar();
            model.LogitScale.fill_(seven);
        }

        model.ClampLogitScale();
        Assert.Equal(Math.Log(100), model.LogitScale.item<float>(), 5);
    }

    [Fact]
    public void Weight_decay_skips_gains_biases_and_the_logit_scale()
    {
        using var model = new ClipModel(ClipConfig.Tiny with { VocabularySize = 600 }, endId: 599);
        var decayed = model.DecayedParameters().ToHashSet();
        var names = model.named_parameters().ToDictionary(p => p.name, p => decayed.Contains(p.parameter));

        Assert.True(names["visual.conv1.weight"]);
        Assert.True(names["visual.proj"]);
        Assert.True(names["text.token_embedding.weight"]);
        Assert.True(names["text.transformer.resblocks.0.attn.in_proj.weight"]);
        Assert.False(names["logit_scale"]);
        Assert.False(names["visual.ln_pre.weight"]);
        Assert.False(names["text.transformer.resblocks.1.c_fc.bias"]);
        Assert.False(names["visual.class_embedding"]);
        Assert.Equal(model.parameters().Count(), decayed.Count + model.UndecayedParameters().Count());
    }

    [Fact]
    public void The_schedule_warms_up_linearly_then_decays_by_cosine_to_zero()
    {
        var schedule = new WarmupCosineSchedule(1e-3, WarmupSteps: 10, TotalSteps: 110);
        Assert.Equal(1e-4, schedule.RateAt(0), 12);
        Assert.Equal(1e-3, schedule.RateAt(9), 12);
        Assert.Equal(1e-3, schedule.RateAt(10), 12);
        Assert.Equal(0.5e-3, schedule.RateAt(60), 12);
        Assert.Equal(0, schedule.RateAt(110), 12);
    }
}
