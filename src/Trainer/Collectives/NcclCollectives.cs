using static TorchSharp.torch;

namespace Pipeline.Trainer.Collectives;

/// <summary>
/// Collectives on GPUs through NCCL, one process per GPU. Rank 0 makes NCCL's unique id and publishes it through
/// the rendezvous store; every rank then joins the communicator. Operations are enqueued on the default CUDA
/// stream, the one TorchSharp computes on, so they are ordered with the step's kernels. Bytes are reduced as
/// float32, gathered and broadcast as raw bytes, whatever the tensor's type.
/// </summary>
public sealed class NcclCollectives : ICollectives
{
    private readonly NcclLibrary _nccl;
    private readonly IntPtr _communicator;

    private NcclCollectives(NcclLibrary nccl, IntPtr communicator, int rank, int worldSize)
    {
        _nccl = nccl;
        _communicator = communicator;
        Rank = rank;
        WorldSize = worldSize;
    }

    public int Rank { get; }

    public int WorldSize { get; }

    /// <summary>Joins run <paramref name="runId"/> as <paramref name="rank"/> of <paramref name="worldSize"/>, waiting up to <paramref name="timeout"/> for rank 0's id.</summary>
    /// <exception cref="DllNotFoundException">NCCL is not installed.</exception>
    public static async Task<NcclCollectives> ConnectAsync(int rank, int worldSize, IRendezvousStore store, string runId, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        var nccl = NcclLibrary.Load();
        var key = "nccl-" + runId;
        byte[] id;
        if (rank == 0)
        {
            id = nccl.GetUniqueId();
            await store.SetAsync(key, Convert.ToBase64String(id), cancellationToken);
        }
        else
        {
            var waited = System.Diagnostics.Stopwatch.StartNew();
            string? published;
            while ((published = await store.TryGetAsync(key, cancellationToken)) is null)
            {
                if (waited.Elapsed > timeout)
                {
                    throw new TimeoutException($"rank {rank}: rank 0 of run '{runId}' published no NCCL id within {timeout}");
                }

                await Task.Delay(100, cancellationToken);
            }

            id = Convert.FromBase64String(published);
        }

        return new NcclCollectives(nccl, nccl.InitRank(worldSize, id, rank), rank, worldSize);
    }

    public void AllReduceSum(Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        if (tensor.dtype != ScalarType.Float32 || !tensor.is_contiguous())
        {
            throw new ArgumentException($"the NCCL backend all-reduces contiguous float32 tensors, not {tensor.dtype}", nameof(tensor));
        }

        var data = NcclLibrary.TensorData(tensor.Handle);
        _nccl.AllReduce(data, data, tensor.numel(), NcclLibrary.Float32, _communicator);
    }

    public Tensor AllGather(Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        using var local = tensor.detach().contiguous();
        var shape = local.shape.ToArray();
        shape[0] *= WorldSize;
        var gathered = empty(shape, local.dtype, local.device);
        _nccl.AllGather(NcclLibrary.TensorData(local.Handle), NcclLibrary.TensorData(gathered.Handle), local.numel() * local.element_size(), NcclLibrary.Int8, _communicator);
        return gathered;
    }

    public void Broadcast(Tensor tensor, int root)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        var data = NcclLibrary.TensorData(tensor.Handle);
        _nccl.Broadcast(data, data, tensor.numel() * tensor.element_size(), NcclLibrary.Int8, root, _communicator);
    }

    public void Barrier()
    {
        using var token = ones(1, device: cuda.is_available() ? CUDA : CPU);
        AllReduceSum(token);
        _ = token.cpu(); // waits for the reduction, and so for every rank
    }

    public void Dispose() => _nccl.Destroy(_communicator);
}
