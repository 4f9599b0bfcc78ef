using static TorchSharp.torch;

namespace Pipeline.Trainer.Collectives;

/// <summary>
/// The collective operations data-parallel CLIP training needs, over one process per device. Every rank calls
/// the same operations in the same order with tensors of the same shape. They are synchronous because they sit
/// inside a training step on its thread (NCCL enqueues on the device's stream; the TCP backend blocks).
/// </summary>
public interface ICollectives : IDisposable
{
    /// <summary>This process's rank, 0 ≤ Rank &lt; WorldSize.</summary>
    int Rank { get; }

    int WorldSize { get; }

    /// <summary>Replaces <paramref name="tensor"/> (contiguous float32) with the element-wise sum over all ranks, added in rank order.</summary>
    void AllReduceSum(Tensor tensor);

    /// <summary>The ranks' tensors (same shape everywhere) stacked along the first dimension in rank order.</summary>
    Tensor AllGather(Tensor tensor);

    /// <summary>Replaces <paramref name="tensor"/> on every rank with the one on <paramref name="root"/>.</summary>
    void Broadcast(Tensor tensor, int root);

    /// <summary>Returns once every rank has called it.</summary>
    void Barrier();
}
