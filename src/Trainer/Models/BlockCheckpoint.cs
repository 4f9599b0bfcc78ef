using static TorchSharp.torch;

namespace Pipeline.Trainer.Models;

/// <summary>
/// Activation (gradient) checkpointing of one transformer block, as PyTorch's reentrant <c>checkpoint</c> does it: the
/// forward pass keeps only the block's input and frees everything the block computed; the backward pass runs the block
/// again with gradient from that input and back-propagates through it, which adds the block's parameter gradients and
/// returns the input's. The same gradients for one more forward pass per block, and a step holds one block's
/// activations instead of all of them. The blocks have no dropout, so the recomputation needs no saved random state.
/// </summary>
internal sealed class BlockCheckpoint : autograd.SingleTensorFunction<BlockCheckpoint>
{
    private const string BlockKey = "block";
    private static long _applications;
    private static long _recomputations;

    public override string Name => nameof(BlockCheckpoint);

    /// <summary>Checkpointed block forwards in this process.</summary>
    public static long Applications => Interlocked.Read(ref _applications);

    /// <summary>Block forwards run again in backward passes in this process.</summary>
    public static long Recomputations => Interlocked.Read(ref _recomputations);

    /// <summary>The block's output, with a graph that leads back to <paramref name="input"/> only.</summary>
    public static Tensor Run(ResidualAttentionBlock block, Tensor input)
    {
        Interlocked.Increment(ref _applications);
        return apply(input, block);
    }

    public override Tensor forward(autograd.AutogradContext ctx, params object[] vars)
    {
        var input = (Tensor)vars[0];
        ctx.save_for_backward([input]);
        ctx.save_data(BlockKey, vars[1]);
        // Called without gradient: the block's intermediates go with this scope, the output to the caller's.
        using var scope = NewDisposeScope();
        return ((ResidualAttentionBlock)vars[1]).forward(input).MoveToOuterDisposeScope();
    }

    public override List<Tensor> backward(autograd.AutogradContext ctx, Tensor grad_output)
    {
        var block = (ResidualAttentionBlock)ctx.get_data(BlockKey);
        Interlocked.Increment(ref _recomputations);
        using var scope = NewDisposeScope();
        using var saved = ctx.get_saved_variables()[0];
        using var gradient = enable_grad();
        var input = saved.detach().requires_grad_(true);
        block.forward(input).backward([grad_output]);
        // One gradient per argument of apply: the input's, and none for the block.
        return [input.grad!.MoveToOuterDisposeScope(), null!];
    }
}
