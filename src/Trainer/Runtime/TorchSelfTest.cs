using TorchSharp;
using static TorchSharp.torch;

namespace Pipeline.Trainer.Runtime;

/// <summary>Proves that libtorch loads and differentiates: a seeded two-layer network, one forward and backward pass.</summary>
public static class TorchSelfTest
{
    /// <summary>Runs the pass on the CPU; throws <see cref="InvalidOperationException"/> when gradients are missing or not finite.</summary>
    public static TorchSelfTestResult Run(int seed = 0)
    {
        // A dispose scope frees every native tensor made here, as a training step will.
        using var scope = NewDisposeScope();
        // A generator of its own, not libtorch's global one: other threads (training, tests) draw from that and
        // would make the pass depend on what else runs in the process.
        using var generator = new Generator((ulong)seed);
        using var network = nn.Sequential(
            ("hidden", nn.Linear(4, 8)),
            ("relu", nn.ReLU()),
            ("output", nn.Linear(8, 1)));
        using (no_grad())
        {
            foreach (var parameter in network.parameters())
            {
                parameter.copy_(randn(parameter.shape, generator: generator).mul_(HeldScalars.Half));
            }
        }

        var inputs = randn([16, 4], generator: generator);
        var targets = inputs.sum(1, keepdim: true);
        var loss = nn.functional.mse_loss(network.forward(inputs), targets);
        loss.backward();

        long parameters = 0;
        double squaredNorm = 0;
        foreach (var parameter in network.parameters())
        {
            parameters += parameter.numel();
            var gradient = parameter.grad ?? throw new InvalidOperationException("libtorch produced no gradient for a parameter");
            squaredNorm += gradient.mul(gradient).sum().item<float>();
        }

        var lossValue = loss.item<float>();
        var gradientNorm = Math.Sqrt(squaredNorm);
        if (!double.IsFinite(lossValue) || !double.IsFinite(gradientNorm) || gradientNorm == 0)
        {
            throw new InvalidOperationException($"libtorch gave a degenerate pass: loss {lossValue}, gradient norm {gradientNorm}");
        }

        return new TorchSelfTestResult(DeviceType.CPU.ToString().ToLowerInvariant(), parameters, lossValue, gradientNorm);
    }
}
