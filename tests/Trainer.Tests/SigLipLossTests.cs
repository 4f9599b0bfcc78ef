using Pipeline.TestServices;
using Pipeline.Trainer.Collectives;
using Pipeline.Trainer.Models;
using Pipeline.Trainer.Training;
using static TorchSharp.torch;

namespace Pipeline.Trainer.Tests;

/// <summary>SigLIP's sigmoid loss: a hand-computed value, and two ranks over TCP giving the one-process loss and gradients.</summary>
public sealed class SigLipLossTests
{
    [Fact]
    public void The_loss_is_the_sum_of_every_pairs_negative_log_sigmoid_over_the_number_of_images()
    {
        using var scope = NewDisposeScope();
        var images = nn.functional.normalize(tensor(new float[] { 1, 0, 0.6f, 0.8f }, [2, 2]), dim: -1);
        var texts = nn.functional.normalize(tensor(new float[] { 1, 0, 0, 1 }, [2, 2]), dim: -1);

        var loss = SigLipLoss.Compute(images, texts, tensor((float)Math.Log(10)), tensor(-5f), new SingleProcessCollectives()).item<float>();

        // logits = 10 · [[1, 0], [0.6, 0.8]] − 5; matches on the diagonal.
        static double Nls(double z) => Math.Log(1 + Math.Exp(-z));
        var expected = (Nls(10 - 5) + Nls(-(0 - 5)) + Nls(-(6 - 5)) + Nls(8 - 5)) / 2;
        Assert.Equal(expected, loss, 4);
    }

    [Fact]
    public void A_model_for_SigLIP_has_a_bias_of_minus_10_and_a_scale_of_ln_10_and_CLIPs_has_no_bias()
    {
        using var siglip = new ClipModel(ClipConfig.Tiny with { VocabularySize = 600 }, endId: 599, sigmoidLoss: true);
        using var clip = new ClipModel(ClipConfig.Tiny with { VocabularySize = 600 }, endId: 599);
        Assert.Equal(-10f, siglip.LogitBias!.item<float>());
        Assert.Equal(Math.Log(10), siglip.LogitScale.item<float>(), 5);
        Assert.Null(clip.LogitBias);
        Assert.Equal(clip.parameters().Count() + 1, siglip.parameters().Count());
        // Not decayed, like the scale.
        Assert.Contains(siglip.UndecayedParameters(), p => ReferenceEquals(p, siglip.LogitBias));
    }

    [Fact]
    public async Task Two_ranks_over_tcp_give_the_one_process_loss_and_gradients()
    {
        manual_seed(11);
        var allImages = nn.functional.normalize(randn(6, 8), dim: -1);
        var allTexts = nn.functional.normalize(randn(6, 8), dim: -1);
        var (expectedLoss, expectedImages, expectedTexts, expectedScale, expectedBias) = Run(allImages, allTexts, new SingleProcessCollectives());

        using var folder = new TemporaryFolder();
        var store = new FileRendezvousStore(folder.Path);
        var ranks = await Task.WhenAll(Enumerable.Range(0, 2).Select(rank => Task.Run(() =>
            TcpCollectives.ConnectAsync(rank, 2, store, "siglip", "127.0.0.1", TimeSpan.FromSeconds(30), CancellationToken.None))));
        try
        {
            var results = new (float Loss, float[] Images, float[] Texts, float Scale, float Bias)[2];
            await Task.WhenAll(ranks.Select(c => Task.Factory.StartNew(
                () => results[c.Rank] = Run(allImages.narrow(0, c.Rank * 3, 3), allTexts.narrow(0, c.Rank * 3, 3), c),
                CancellationToken.None,
                TaskCreationOptions.LongRunning,
                TaskScheduler.Default)));

            for (var rank = 0; rank < 2; rank++)
            {
                Assert.Equal(expectedLoss, results[rank].Loss, 5);
                // Each rank's own rows get the one-process gradient; the scale's and the bias's are complete on each rank.
                AssertClose(expectedImages[(rank * 24)..((rank + 1) * 24)], results[rank].Images);
                AssertClose(expectedTexts[(rank * 24)..((rank + 1) * 24)], results[rank].Texts);
                Assert.Equal(expectedScale, results[rank].Scale, 5);
                Assert.Equal(expectedBias, results[rank].Bias, 5);
            }
        }
        finally
        {
            foreach (var rank in ranks)
            {
                rank.Dispose();
            }
        }
    }

    private static (float Loss, float[] Images, float[] Texts, float Scale, float Bias) Run(Tensor images, Tensor texts, ICollectives collectives)
    {
        using var scope = NewDisposeScope();
        var imageLeaf = images.detach().clone().requires_grad_();
        var textLeaf = texts.detach().clone().requires_grad_();
        var scale = tensor((float)Math.Log(10)).requires_grad_();
        var bias = tensor(-10f).requires_grad_();
        var loss = SigLipLoss.Compute(imageLeaf, textLeaf, scale, bias, collectives);
        loss.backward();
        return (loss.item<float>(), imageLeaf.grad!.data<float>().ToArray(), textLeaf.grad!.data<float>().ToArray(), scale.grad!.item<float>(), bias.grad!.item<float>());
    }

    private static void AssertClose(float[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) < 1e-5, $"gradient {i}: {actual[i]} instead of {expected[i]}");
        }
    }
}
