using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;

namespace Pipeline.Trainer.Collectives;

/// <summary>
/// Collectives over TCP for tests and CPU-only clusters: a star around rank 0, which adds the ranks' buffers in
/// rank order (so every run reduces identically) and sends the result back. Rank 0 publishes its address and a
/// one-time token through the rendezvous store; a peer that does not present the token is refused.
/// </summary>
public sealed class TcpCollectives : ICollectives
{
    private const int Magic = 0x434C4950; // "CLIP"

    private readonly Socket? _listener;
    private readonly NetworkStream[] _peers; // on rank 0: index r is rank r (index 0 unused); elsewhere: index 0 is rank 0
    private readonly IRendezvousStore _store;
    private readonly string _key;

    private TcpCollectives(int rank, int worldSize, Socket? listener, NetworkStream[] peers, IRendezvousStore store, string key)
    {
        Rank = rank;
        WorldSize = worldSize;
        _listener = listener;
        _peers = peers;
        _store = store;
        _key = key;
    }

    public int Rank { get; }

    public int WorldSize { get; }

    /// <summary>Joins the run <paramref name="runId"/>: rank 0 listens on <paramref name="host"/> and waits for the others; they find it through <paramref name="store"/>.</summary>
    /// <exception cref="TimeoutException">The ranks did not all meet within <paramref name="timeout"/>.</exception>
    public static async Task<TcpCollectives> ConnectAsync(int rank, int worldSize, IRendezvousStore store, string runId, string host, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentOutOfRangeException.ThrowIfLessThan(worldSize, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(rank);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(rank, worldSize);
        var key = "tcp-" + runId;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            return rank == 0
                ? await ListenAsync(worldSize, store, key, host, deadline.Token)
                : await JoinAsync(rank, worldSize, store, key, deadline.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"rank {rank} of {worldSize}: the ranks of run '{runId}' did not all meet within {timeout}");
        }
    }

    private static async Task<TcpCollectives> ListenAsync(int worldSize, IRendezvousStore store, string key, string host, CancellationToken cancellationToken)
    {
        var listener = new Socket(SocketType.Stream, ProtocolType.Tcp);
        try
        {
            listener.Bind(new IPEndPoint(IPAddress.Parse(host), 0));
            listener.Listen(worldSize);
            var token = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));
            var endpoint = (IPEndPoint)listener.LocalEndPoint!;
            await store.SetAsync(key, string.Create(CultureInfo.InvariantCulture, $"{endpoint.Address} {endpoint.Port} {token}"), cancellationToken);
            var peers = new NetworkStream[worldSize];
            var joined = 1;
            while (joined < worldSize)
            {
                var socket = await listener.AcceptAsync(cancellationToken);
                socket.NoDelay = true;
                var stream = new NetworkStream(socket, ownsSocket: true);
                var hello = new byte[12 + 32];
                await stream.ReadExactlyAsync(hello, cancellationToken);
                var rank = BinaryPrimitives.ReadInt32LittleEndian(hello.AsSpan(4));
                var world = BinaryPrimitives.ReadInt32LittleEndian(hello.AsSpan(8));
                var presented = System.Text.Encoding.ASCII.GetString(hello, 12, 32);
                if (BinaryPrimitives.ReadInt32LittleEndian(hello) != Magic || presented != token || world != worldSize || rank < 1 || rank >= worldSize || peers[rank] is not null)
                {
                    await stream.DisposeAsync(); // not one of ours, or a stale or duplicate rank
                    continue;
                }

                peers[rank] = stream;
                joined++;
            }

            return new TcpCollectives(0, worldSize, listener, peers, store, key);
        }
        catch
        {
            listener.Dispose();
            throw;
        }
    }

    private static async Task<TcpCollectives> JoinAsync(int rank, int worldSize, IRendezvousStore store, string key, CancellationToken cancellationToken)
    {
        while (true)
        {
            if (await store.TryGetAsync(key, cancellationToken) is { } published)
            {
                var parts = published.Split(' ');
                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    await socket.ConnectAsync(IPAddress.Parse(parts[0]), int.Parse(parts[1], CultureInfo.InvariantCulture), cancellationToken);
                    var stream = new NetworkStream(socket, ownsSocket: true);
                    var hello = new byte[12 + 32];
                    BinaryPrimitives.WriteInt32LittleEndian(hello, Magic);
                    BinaryPrimitives.WriteInt32LittleEndian(hello.AsSpan(4), rank);
                    BinaryPrimitives.WriteInt32LittleEndian(hello.AsSpan(8), worldSize);
                    System.Text.Encoding.ASCII.GetBytes(parts[2], hello.AsSpan(12));
                    await stream.WriteAsync(hello, cancellationToken);
                    var peers = new NetworkStream[1];
                    peers[0] = stream;
                    return new TcpCollectives(rank, worldSize, null, peers, store, key);
                }
                catch (SocketException)
                {
                    socket.Dispose(); // a stale address from an earlier run, or rank 0 not listening yet
                }
            }

            await Task.Delay(50, cancellationToken);
        }
    }

    public void AllReduceSum(Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        RequireFloatCpu(tensor, "all-reduce");
        var bytes = tensor.bytes;
        if (Rank == 0)
        {
            var sum = MemoryMarshal.Cast<byte, float>(bytes);
            var incoming = new byte[bytes.Length];
            for (var peer = 1; peer < WorldSize; peer++)
            {
                Receive(peer, incoming, "all-reduce");
                var values = MemoryMarshal.Cast<byte, float>(incoming.AsSpan());
                for (var i = 0; i < sum.Length; i++)
                {
                    sum[i] += values[i];
                }
            }

            for (var peer = 1; peer < WorldSize; peer++)
            {
                Send(peer, bytes, "all-reduce");
            }
        }
        else
        {
            Send(0, bytes, "all-reduce");
            Receive(0, bytes, "all-reduce");
        }
    }

    public Tensor AllGather(Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        using var local = tensor.detach().cpu().contiguous();
        var shape = local.shape.ToArray();
        shape[0] *= WorldSize;
        var gathered = empty(shape, local.dtype);
        var all = gathered.bytes;
        var part = local.bytes;
        if (Rank == 0)
        {
            part.CopyTo(all);
            for (var peer = 1; peer < WorldSize; peer++)
            {
                Receive(peer, all.Slice(peer * part.Length, part.Length), "all-gather");
            }

            for (var peer = 1; peer < WorldSize; peer++)
            {
                Send(peer, all, "all-gather");
            }
        }
        else
        {
            Send(0, part, "all-gather");
            Receive(0, all, "all-gather");
        }

        return tensor.device_type == DeviceType.CPU ? gathered : gathered.to(tensor.device);
    }

    public void Broadcast(Tensor tensor, int root)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        ArgumentOutOfRangeException.ThrowIfNegative(root);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(root, WorldSize);
        if (!tensor.is_contiguous() || tensor.device_type != DeviceType.CPU)
        {
            throw new ArgumentException("the TCP backend broadcasts contiguous CPU tensors", nameof(tensor));
        }

        var bytes = tensor.bytes;
        if (Rank == 0)
        {
            if (root != 0)
            {
                Receive(root, bytes, "broadcast");
            }

            for (var peer = 1; peer < WorldSize; peer++)
            {
                if (peer != root)
                {
                    Send(peer, bytes, "broadcast");
                }
            }
        }
        else if (Rank == root)
        {
            Send(0, bytes, "broadcast");
        }
        else
        {
            Receive(0, bytes, "broadcast");
        }
    }

    public void Barrier()
    {
        using var token = ones(1);
        AllReduceSum(token);
    }

    public void Dispose()
    {
        foreach (var peer in _peers)
        {
            peer?.Dispose();
        }

        if (_listener is not null)
        {
            _listener.Dispose();
            _store.DeleteAsync(_key, CancellationToken.None).GetAwaiter().GetResult();
        }
    }

    private static void RequireFloatCpu(Tensor tensor, string operation)
    {
        if (tensor.dtype != ScalarType.Float32 || !tensor.is_contiguous() || tensor.device_type != DeviceType.CPU)
        {
            throw new ArgumentException($"the TCP backend's {operation} takes contiguous float32 CPU tensors, not {tensor.dtype} on {tensor.device}", nameof(tensor));
        }
    }

    private void Send(int rank, ReadOnlySpan<byte> payload, string operation)
    {
        var stream = Rank == 0 ? _peers[rank] : _peers[0];
        Span<byte> length = stackalloc byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(length, payload.Length);
        try
        {
            stream.Write(length);
            stream.Write(payload);
        }
        catch (IOException e)
        {
            throw new IOException($"rank {Rank}: rank {rank} went away during {operation}: {e.Message}", e);
        }
    }

    private void Receive(int rank, Span<byte> destination, string operation)
    {
        var stream = Rank == 0 ? _peers[rank] : _peers[0];
        Span<byte> length = stackalloc byte[8];
        try
        {
            stream.ReadExactly(length);
            var sent = BinaryPrimitives.ReadInt64LittleEndian(length);
            if (sent != destination.Length)
            {
                throw new InvalidOperationException($"rank {Rank}: rank {rank} sent {sent} bytes for {operation}, expected {destination.Length}; the ranks are not running the same step");
            }

            stream.ReadExactly(destination);
        }
        catch (Exception e) when (e is IOException or EndOfStreamException)
        {
            throw new IOException($"rank {Rank}: rank {rank} went away during {operation}: {e.Message}", e);
        }
    }
}
