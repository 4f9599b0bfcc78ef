using Pipeline.Trainer.Training;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Pipeline.Trainer.Tests;

public sealed class HeldScalarAdamWTests
{
    [Fact]
    public void Steps_match_AdamW_computed_by_hand_with_decoupled_decay_per_group()
    {
        using var scope = NewDisposeScope();
        double[] start = [0.5, -1.0, 2.0];
        double[][] gradients = [[0.1, -0.2, 0.3], [-0.4, 0.5, 0.05], [0.2, 0.2, -0.1], [1.0, -1.0, 0.0]];
        double[] rates = [1e-2, 5e-3, 2e-3, 1e-3];
        const double beta1 = 0.9, beta2 = 0.98, eps = 1e-6, decay = 0.2;
        var decayed = new Parameter(tensor(start.Select(v => (float)v).ToArray()));
        var undecayed = new Parameter(tensor(start.Select(v => (float)v).ToArray()));
        using var optimizer = new HeldScalarAdamW(
            [
                new AdamW.ParamGroup([decayed], new AdamW.Options { LearningRate = rates[0], weight_decay = decay }),
                new AdamW.ParamGroup([undecayed], new AdamW.Options { LearningRate = rates[0], weight_decay = 0 }),
            ],
            lr: rates[0], beta1: beta1, beta2: beta2, eps: eps);

        var expectedDecayed = Reference(start, gradients, rates, beta1, beta2, eps, decay);
        var expectedUndecayed = Reference(start, gradients, rates, beta1, beta2, eps, 0);
        for (var step = 0; step < gradients.Length; step++)
        {
            foreach (var group in optimizer.ParamGroups)
            {
                group.LearningRate = rates[step];
            }

            decayed.grad = tensor(gradients[step].Select(v => (float)v).ToArray());
            undecayed.grad = tensor(gradients[step].Select(v => (float)v).ToArray());
            optimizer.step();
        }

        var actualDecayed = decayed.data<float>().ToArray();
        var actualUndecayed = undecayed.data<float>().ToArray();
        for (var i = 0; i < start.Length; i++)
        {
            Assert.Equal(expectedDecayed[i], actualDecayed[i], 5);
            Assert.Equal(expectedUndecayed[i], actualUndecayed[i], 5);
        }

        Assert.NotEqual(actualDecayed[2], actualUndecayed[2]);
    }

    /// <summary>AdamW (Loshchilov and Hutter; PyTorch's form): θ ← θ(1 − ηλ), then the bias-corrected Adam step.</summary>
    private static double[] Reference(double[] start, double[][] gradients, double[] rates, double beta1, double beta2, double eps, double decay)
    {
        var theta = (double[])start.Clone();
        var m = new double[theta.Length];
        var v = new double[theta.Length];
        for (var t = 1; t <= gradients.Length; t++)
        {
            var rate = rates[t - 1];
            for (var i = 0; i < theta.Length; i++)
            {
                var g = gradients[t - 1][i];
                theta[i] *= 1 - (rate * decay);
                m[i] = (beta1 * m[i]) + ((1 - beta1) * g);
                v[i] = (beta2 * v[i]) + ((1 - beta2) * g * g);
                var mHat = m[i] / (1 - Math.Pow(beta1, t));
                var vHat = v[i] / (1 - Math.Pow(beta2, t));
                theta[i] -= rate * mHat / (Math.Sqrt(vHat) + eps);
            }
        }

        return theta;
    }
}
