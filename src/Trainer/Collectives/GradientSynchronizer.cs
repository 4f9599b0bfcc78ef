using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Pipeline.Trainer.Collectives;

/// <summary>
/// Sums gradients over the ranks in buckets: each bucket's gradients are copied into one flat buffer, reduced
/// in a single call and copied back, so a model of many small tensors costs a few large transfers.
/// </summary>
public sealed class GradientSynchronizer
{
    private readonly ICollectives _collectives;
    private readonly List<Parameter[]> _buckets = [];

    /// <param name="collectives">The ranks.</param>
    /// <param name="parameters">The parameters whose gradients are summed, in the same order on every rank.</param>
    /// <param name="bucketBytes">Largest bucket; one parameter larger than this gets a bucket to itself.</param>
    public GradientSynchronizer(ICollectives collectives, IEnumerable<Parameter> parameters, long bucketBytes = 25L << 20)
    {
        ArgumentNullException.ThrowIfNull(collectives);
        ArgumentNullException.ThrowIfNull(parameters);
        _collectives = collectives;
        var current = new List<Parameter>();
        long bytes = 0;
        foreach (var parameter in parameters)
        {
            var size = parameter.numel() * 4;
            if (current.Count > 0 && bytes + size > bucketBytes)
            {
                _buckets.Add([.. current]);
                current.Clear();
                bytes = 0;
            }

            current.Add(parameter);
            bytes += size;
        }

        if (current.Count > 0)
        {
            _buckets.Add([.. current]);
        }
    }

    /// <summary>How many reductions a step makes.</summary>
    public int Buckets => _buckets.Count;

    /// <summary>Replaces every gradient with its sum over the ranks; a parameter without a gradient counts as zeros.</summary>
    public void SumGradients()
    {
        if (_collectives.WorldSize == 1)
        {
            return;
        }

        foreach (var bucket in _buckets)
        {
            using var scope = NewDisposeScope();
            using var flat = cat([.. bucket.Select(p => (p.grad ?? zeros_like(p)).reshape(-1))]);
            _collectives.AllReduceSum(flat);
            long offset = 0;
            foreach (var parameter in bucket)
            {
                var count = parameter.numel();
                var summed = flat.narrow(0, offset, count).view_as(parameter);
                if (parameter.grad is { } gradient)
                {
                    gradient.copy_(summed);
                }
                else
                {
                    parameter.grad = summed.clone().DetachFromDisposeScope();
                }

                offset += count;
            }
        }
    }
}
