using static TorchSharp.torch;

namespace Pipeline.Trainer.Collectives;

/// <summary>The collectives of a world of one: every operation leaves the tensor as it is.</summary>
public sealed class SingleProcessCollectives : ICollectives
{
    public int Rank => 0;

    public int WorldSize => 1;

    public void AllReduceSum(Tensor tensor)
    {
    }

    public Tensor AllGather(Tensor tensor) => tensor.alias();

    public void Broadcast(Tensor tensor, int root)
    {
    }

    public void Barrier()
    {
    }

    public void Dispose()
    {
    }
}
