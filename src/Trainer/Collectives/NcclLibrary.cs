using System.Runtime.InteropServices;

namespace Pipeline.Trainer.Collectives;

/// <summary>
/// The parts of NCCL's C API the trainer calls, bound at run time from <c>libnccl.so.2</c> (installed with the
/// CUDA stack on GPU nodes, absent on CPU machines), plus LibTorchSharp's accessor for a tensor's data pointer.
/// </summary>
internal sealed unsafe class NcclLibrary
{
    public const int UniqueIdBytes = 128;

    // ncclDataType_t and ncclRedOp_t values from nccl.h.
    public const int Int8 = 0;
    public const int Float32 = 7;
    public const int Sum = 0;

    private readonly delegate* unmanaged<byte*, int> _getUniqueId;
    private readonly delegate* unmanaged<IntPtr*, int, NcclUniqueId, int, int> _commInitRank;
    private readonly delegate* unmanaged<IntPtr, int> _commDestroy;
    private readonly delegate* unmanaged<IntPtr, IntPtr, nuint, int, int, IntPtr, IntPtr, int> _allReduce;
    private readonly delegate* unmanaged<IntPtr, IntPtr, nuint, int, IntPtr, IntPtr, int> _allGather;
    private readonly delegate* unmanaged<IntPtr, IntPtr, nuint, int, int, IntPtr, IntPtr, int> _broadcast;
    private readonly delegate* unmanaged<int, IntPtr> _errorString;

    private NcclLibrary(IntPtr handle)
    {
        _getUniqueId = (delegate* unmanaged<byte*, int>)NativeLibrary.GetExport(handle, "ncclGetUniqueId");
        _commInitRank = (delegate* unmanaged<IntPtr*, int, NcclUniqueId, int, int>)NativeLibrary.GetExport(handle, "ncclCommInitRank");
        _commDestroy = (delegate* unmanaged<IntPtr, int>)NativeLibrary.GetExport(handle, "ncclCommDestroy");
        _allReduce = (delegate* unmanaged<IntPtr, IntPtr, nuint, int, int, IntPtr, IntPtr, int>)NativeLibrary.GetExport(handle, "ncclAllReduce");
        _allGather = (delegate* unmanaged<IntPtr, IntPtr, nuint, int, IntPtr, IntPtr, int>)NativeLibrary.GetExport(handle, "ncclAllGather");
        _broadcast = (delegate* unmanaged<IntPtr, IntPtr, nuint, int, int, IntPtr, IntPtr, int>)NativeLibrary.GetExport(handle, "ncclBroadcast");
        _errorString = (delegate* unmanaged<int, IntPtr>)NativeLibrary.GetExport(handle, "ncclGetErrorString");
    }

    /// <summary>Loads NCCL.</summary>
    /// <exception cref="DllNotFoundException">libnccl.so.2 is not on the library path; the message says what to install.</exception>
    public static NcclLibrary Load(string path = "libnccl.so.2")
    {
        if (!NativeLibrary.TryLoad(path, out var handle))
        {
            throw new DllNotFoundException($"the NCCL backend needs {path} (NVIDIA's libnccl2 package, or the nvidia-nccl-cu12 wheel's lib folder on LD_LIBRARY_PATH); use the TCP backend on machines without GPUs");
        }

        return new NcclLibrary(handle);
    }

    /// <summary>ncclUniqueId, passed by value: 128 opaque bytes.</summary>
    public struct NcclUniqueId
    {
        private fixed byte _bytes[UniqueIdBytes];

        public static NcclUniqueId FromBytes(ReadOnlySpan<byte> bytes)
        {
            var id = default(NcclUniqueId);
            bytes[..UniqueIdBytes].CopyTo(new Span<byte>(id._bytes, UniqueIdBytes));
            return id;
        }
    }

    public byte[] GetUniqueId()
    {
        var id = new byte[UniqueIdBytes];
        fixed (byte* pointer = id)
        {
            Check(_getUniqueId(pointer), "ncclGetUniqueId");
        }

        return id;
    }

    public IntPtr InitRank(int worldSize, ReadOnlySpan<byte> uniqueId, int rank)
    {
        IntPtr communicator;
        Check(_commInitRank(&communicator, worldSize, NcclUniqueId.FromBytes(uniqueId), rank), "ncclCommInitRank");
        return communicator;
    }

    public void Destroy(IntPtr communicator) => Check(_commDestroy(communicator), "ncclCommDestroy");

    public void AllReduce(IntPtr send, IntPtr receive, long count, int dataType, IntPtr communicator) =>
        Check(_allReduce(send, receive, (nuint)count, dataType, Sum, communicator, IntPtr.Zero), "ncclAllReduce");

    public void AllGather(IntPtr send, IntPtr receive, long count, int dataType, IntPtr communicator) =>
        Check(_allGather(send, receive, (nuint)count, dataType, communicator, IntPtr.Zero), "ncclAllGather");

    public void Broadcast(IntPtr send, IntPtr receive, long count, int dataType, int root, IntPtr communicator) =>
        Check(_broadcast(send, receive, (nuint)count, dataType, root, communicator, IntPtr.Zero), "ncclBroadcast");

    /// <summary>The address of a tensor's first element (on its device).</summary>
    [DllImport("LibTorchSharp", EntryPoint = "THSTensor_data")]
    public static extern IntPtr TensorData(IntPtr tensorHandle);

    private void Check(int result, string call)
    {
        if (result != 0)
        {
            throw new InvalidOperationException($"{call} failed: NCCL error {result}: {Marshal.PtrToStringAnsi(_errorString(result))}");
        }
    }
}
