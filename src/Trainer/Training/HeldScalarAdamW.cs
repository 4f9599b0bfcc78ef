using Pipeline.Trainer.Runtime;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Pipeline.Trainer.Training;

/// <summary>
/// AdamW with decoupled weight decay (Loshchilov and Hutter): TorchSharp's update, state and checkpoint format,
/// with a step that holds every <see cref="Scalar"/> it hands libtorch until the call returns. TorchSharp's own
/// step makes them by implicit conversion, and a garbage collection during the native call can free them
/// (see <see cref="HeldScalars"/>).
/// </summary>
public sealed class HeldScalarAdamW(IEnumerable<AdamW.ParamGroup> groups, double lr, double beta1, double beta2, double eps, double weightDecay = 0)
    : AdamW(groups, lr, beta1, beta2, eps, weightDecay)
{
    /// <summary>One update of every parameter that has a gradient.</summary>
    public override Tensor step(Func<Tensor>? closure = null) => _step<ParamGroup>(group =>
    {
        var options = (Options)group.Options;
        if (options.amsgrad == true || options.maximize == true)
        {
            throw new NotSupportedException("AMSGrad and maximize are not implemented by this optimizer");
        }

        var (lr, beta1, beta2) = (options.LearningRate!.Value, options.beta1!.Value, options.beta2!.Value);
        using var decay = (1 - (lr * options.weight_decay!.Value)).ToScalar();
        using var keep1 = beta1.ToScalar();
        using var take1 = (1 - beta1).ToScalar();
        using var keep2 = beta2.ToScalar();
        using var take2 = (1 - beta2).ToScalar();
        using var eps = options.eps!.Value.ToScalar();
        foreach (var parameter in group.Parameters)
        {
            if (parameter.grad is not { } gradient)
            {
                continue;
            }

            var state = (State)_state[parameter.Handle];
            state.step += 1;
            parameter.mul_(decay);
            state.exp_avg.mul_(keep1).add_(gradient, alpha: take1);
            state.exp_avg_sq.mul_(keep2).addcmul_(gradient, gradient, value: take2);
            using var correction2 = Math.Sqrt(1 - Math.Pow(beta2, state.step)).ToScalar();
            using var stepSize = (-lr / (1 - Math.Pow(beta1, state.step))).ToScalar();
            var denominator = state.exp_avg_sq.sqrt().div_(correction2).add_(eps, HeldScalars.One); // freed by the step's dispose scope
            parameter.addcdiv_(state.exp_avg, denominator, value: stepSize);
        }
    }, closure);
}
