using Pipeline.Trainer.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace Pipeline.Trainer.Tests;

public class TorchGradientTests
{
    [Fact]
    public void Autograd_computes_the_analytic_gradient_of_a_cubic()
    {
        using var scope = NewDisposeScope();
        var x = tensor(new float[] { 1, 2, 3 }, requires_grad: true);

        using var three = 3.ToScalar();
        var y = x.pow(three).sum();
        y.backward();

        // d/dx sum(x^3) = 3x^2
        Assert.Equal(new float[] { 3, 12, 27 }, x.grad!.data<float>().ToArray());
    }

    [Fact]
    public void Gradient_descent_with_computed_gradients_fits_a_linear_model()
    {
        using var scope = NewDisposeScope();
        manual_seed(11);
        var inputs = randn(64, 3);
        var truth = tensor(new float[] { 2f, -1f, 0.5f }).reshape(3, 1);
        var targets = inputs.matmul(truth);
        using var model = nn.Linear(3, 1, hasBias: false);
        using var descent = (-0.1).ToScalar();

        var firstLoss = 0f;
        var lastLoss = 0f;
        for (var step = 0; step < 200; step++)
        {
            using var stepScope = NewDisposeScope();
            model.zero_grad();
            var loss = nn.functional.mse_loss(model.forward(inputs), targets);
            loss.backward();
            using (no_grad())
            {
                model.weight!.add_(model.weight.grad!, alpha: descent);
            }

            lastLoss = loss.item<float>();
            if (step == 0)
            {
                firstLoss = lastLoss;
            }
        }

        Assert.True(lastLoss < firstLoss * 1e-3, $"loss went from {firstLoss} to {lastLoss}");
        var learned = model.weight!.data<float>().ToArray();
        Assert.Equal(2f, learned[0], 0.01f);
        Assert.Equal(-1f, learned[1], 0.01f);
        Assert.Equal(0.5f, learned[2], 0.01f);
    }

    [Fact]
    public void Self_test_is_reproducible_for_a_seed_and_differs_across_seeds()
    {
        var first = TorchSelfTest.Run(seed: 3);
        var again = TorchSelfTest.Run(seed: 3);
        var other = TorchSelfTest.Run(seed: 4);

        Assert.Equal(first, again);
        Assert.NotEqual(first.Loss, other.Loss);
        Assert.Equal("cpu", first.Device);
        Assert.Equal(4 * 8 + 8 + 8 + 1, first.Parameters);
        Assert.True(first.GradientNorm > 0);
    }
}
