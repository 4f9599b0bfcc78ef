using Pipeline.Trainer.Models;
using Pipeline.Trainer.Runtime;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Pipeline.Trainer.Training;

/// <summary>
/// Mixed-precision training without autocast (TorchSharp has none): the optimizer keeps fp32 master weights in the
/// model it was given, and a copy of the model in bf16 or fp16 runs the forward and backward passes. Before each step
/// the master weights are cast into the copy; after each backward the copy's gradients are added to the master's in
/// fp32, so micro-batches accumulate at full precision. The features leave the copy as fp32 (see
/// <see cref="ClipModel.EncodeImage"/>), and the loss, the logit scale and its bias stay the master's, in fp32. For
/// fp16 the loss is scaled (<see cref="DynamicLossScaler"/>) and a step whose gradients overflowed is skipped.
/// </summary>
public sealed class MixedPrecisionModel : IDisposable
{
    private readonly Parameter[] _master;
    private readonly Parameter[] _compute;

    /// <summary>A low-precision copy of <paramref name="master"/> (same configuration and device) computing in <paramref name="precision"/>.</summary>
    public MixedPrecisionModel(ClipModel master, long endId, TrainingPrecision precision, DynamicLossScaler? scaler = null)
    {
        ArgumentNullException.ThrowIfNull(master);
        if (precision == TrainingPrecision.Fp32)
        {
            throw new ArgumentOutOfRangeException(nameof(precision), precision, "fp32 needs no low-precision copy");
        }

        Precision = precision;
        Master = master;
        // The copy's own initialisation is overwritten at once; the generator is put back so that a mixed-precision
        // run draws the same random numbers as an fp32 one (and a resumed run as an uninterrupted one).
        using (var generator = get_rng_state())
        {
            Compute = new ClipModel(master.Config, endId, sigmoidLoss: master.LogitBias is not null) { GradientCheckpointing = master.GradientCheckpointing };
            set_rng_state(generator);
        }

        Compute.to(master.LogitScale.device);
        Compute.to(precision == TrainingPrecision.Bf16 ? ScalarType.BFloat16 : ScalarType.Float16);
        Compute.train();
        Scaler = precision == TrainingPrecision.Fp16 ? scaler ?? new DynamicLossScaler() : null;
        _master = [.. master.parameters()];
        _compute = [.. Compute.parameters()];
        LoadWeights();
    }

    /// <summary>The format of the forward and backward passes.</summary>
    public TrainingPrecision Precision { get; }

    /// <summary>The fp32 model the optimizer updates and checkpoints hold.</summary>
    public ClipModel Master { get; }

    /// <summary>The low-precision copy that computes the features.</summary>
    public ClipModel Compute { get; }

    /// <summary>fp16's loss scale, or null for bf16 (which has fp32's exponent range and needs none).</summary>
    public DynamicLossScaler? Scaler { get; }

    /// <summary>What the loss is multiplied by before backward.</summary>
    public double LossScale => Scaler?.Scale ?? 1;

    /// <summary>Casts the master weights into the copy; call before each step's forward.</summary>
    public void LoadWeights()
    {
        using var noGrad = no_grad();
        for (var i = 0; i < _master.Length; i++)
        {
            _compute[i].copy_(_master[i]);
        }
    }

    /// <summary>Adds the copy's gradients to the master's in fp32 and clears the copy's; call after each backward.</summary>
    public void AccumulateGradients()
    {
        using var noGrad = no_grad();
        for (var i = 0; i < _master.Length; i++)
        {
            using var low = _compute[i].grad;
            if (low is null)
            {
                continue;
            }

            using var master = _master[i].grad;
            if (master is null)
            {
                _master[i].grad = low.to(ScalarType.Float32).DetachFromDisposeScope();
            }
            else
            {
                master.add_(low, HeldScalars.One);
            }

            _compute[i].grad = null;
        }
    }

    /// <summary>
    /// Divides the master's gradients by the loss scale and, for fp16, records whether they are finite; returns
    /// whether the optimizer may step. Call once per step, after the gradients are summed over the ranks, so every
    /// rank decides alike.
    /// </summary>
    public bool UnscaleGradients()
    {
        if (Scaler is null)
        {
            return true;
        }

        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        using var inverse = (1 / Scaler.Scale).ToScalar();
        // One flag on the device for all parameters, read once: a read per parameter would synchronise a GPU each time.
        var allFinite = ones(1, ScalarType.Bool, device: _master[0].device);
        foreach (var parameter in _master)
        {
            using var gradient = parameter.grad;
            if (gradient is null)
            {
                continue;
            }

            gradient.mul_(inverse);
            allFinite.logical_and_(isfinite(gradient).all());
        }

        var finite = allFinite.item<bool>();
        Scaler.Update(finite);
        return finite;
    }

    public void Dispose() => Compute.Dispose();
}
