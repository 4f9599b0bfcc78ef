namespace Pipeline.Trainer.Runtime;

/// <summary>Outcome of <see cref="TorchSelfTest.Run"/>: one forward/backward pass of a tiny network.</summary>
/// <param name="Device">The device the pass ran on (<c>cpu</c> or <c>cuda</c>).</param>
/// <param name="Parameters">Number of trainable scalars in the network.</param>
/// <param name="Loss">Mean squared error of the forward pass.</param>
/// <param name="GradientNorm">L2 norm over all parameter gradients after the backward pass.</param>
public sealed record TorchSelfTestResult(string Device, long Parameters, double Loss, double GradientNorm);
