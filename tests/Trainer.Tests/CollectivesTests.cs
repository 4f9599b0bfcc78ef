using System.Net.Sockets;
using Pipeline.TestServices;
using Pipeline.Trainer.Collectives;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Pipeline.Trainer.Tests;

public sealed class CollectivesTests
{
    private static async Task<TcpCollectives[]> ConnectAsync(int world, string folder)
    {
        var store = new FileRendezvousStore(folder);
        return await Task.WhenAll(Enumerable.Range(0, world).Select(rank => Task.Run(() =>
            TcpCollectives.ConnectAsync(rank, world, store, "test", "127.0.0.1", TimeSpan.FromSeconds(30), CancellationToken.None))));
    }

    private static void OnEveryRank(TcpCollectives[] ranks, Action<TcpCollectives> action) =>
        Task.WaitAll([.. ranks.Select(rank => Task.Factory.StartNew(() => action(rank), TaskCreationOptions.LongRunning))]);

    [Fact]
    public async Task Three_ranks_over_tcp_reduce_gather_and_broadcast()
    {
        using var folder = new TemporaryFolder();
        var ranks = await ConnectAsync(3, folder.Path);
        try
        {
            var sums = new float[3][];
            var gathered = new float[3][];
            var broadcast = new long[3][];
            OnEveryRank(ranks, c =>
            {
                using var values = tensor(new float[] { c.Rank, 10 * c.Rank, 0.5f });
                c.AllReduceSum(values);
                sums[c.Rank] = values.data<float>().ToArray();

                using var mine = tensor(Enumerable.Repeat(c.Rank + 1f, 4).ToArray(), [2, 2]);
                using var all = c.AllGather(mine);
                Assert.Equal([6L, 2], all.shape);
                gathered[c.Rank] = all.data<float>().ToArray();

                using var root = tensor(new long[] { c.Rank * 7, c.Rank * 7 + 1 });
                c.Broadcast(root, root: 2);
                broadcast[c.Rank] = root.data<long>().ToArray();
                c.Barrier();
            });

            Assert.All(sums, s => Assert.Equal([3f, 30f, 1.5f], s));
            Assert.All(gathered, g => Assert.Equal([1f, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3], g));
            Assert.All(broadcast, b => Assert.Equal([14L, 15], b));
        }
        finally
        {
            foreach (var rank in ranks)
            {
                rank.Dispose();
            }
        }
    }

    [Fact]
    public async Task Bucketed_gradients_are_summed_over_the_ranks()
    {
        using var folder = new TemporaryFolder();
        var ranks = await ConnectAsync(2, folder.Path);
        try
        {
            var results = new float[2][];
            OnEveryRank(ranks, c =>
            {
                // Three parameters in buckets of at most 48 bytes: [10 floats], [3 floats + 1 without gradient].
                var parameters = new[] { new Parameter(zeros(10)), new Parameter(zeros(3)), new Parameter(zeros(1)) };
                parameters[0].grad = tensor(Enumerable.Repeat(c.Rank + 1f, 10).ToArray());
                parameters[1].grad = tensor(Enumerable.Repeat(10f * (c.Rank + 1), 3).ToArray());
                var synchronizer = new GradientSynchronizer(c, parameters, bucketBytes: 48);
                Assert.Equal(2, synchronizer.Buckets);
                synchronizer.SumGradients();
                results[c.Rank] = [.. parameters.SelectMany(p => p.grad!.data<float>().ToArray())];
            });

            float[] expected = [.. Enumerable.Repeat(3f, 10), 30f, 30f, 30f, 0f];
            Assert.All(results, r => Assert.Equal(expected, r));
        }
        finally
        {
            foreach (var rank in ranks)
            {
                rank.Dispose();
            }
        }
    }

    [Fact]
    public async Task A_peer_without_the_published_token_is_refused_and_a_missing_rank_times_out()
    {
        using var folder = new TemporaryFolder();
        var store = new FileRendezvousStore(folder.Path);
        var listening = Task.Run(() => TcpCollectives.ConnectAsync(0, 2, store, "run", "127.0.0.1", TimeSpan.FromSeconds(3), CancellationToken.None));
        string? published = null;
        while (published is null)
        {
            published = await store.TryGetAsync("tcp-run", CancellationToken.None);
            await Task.Delay(20);
        }

        var parts = published.Split(' ');
        using (var intruder = new TcpClient())
        {
            await intruder.ConnectAsync(parts[0], int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture));
            var hello = new byte[44];
            BitConverter.GetBytes(0x434C4950).CopyTo(hello, 0);
            BitConverter.GetBytes(1).CopyTo(hello, 4);
            BitConverter.GetBytes(2).CopyTo(hello, 8);
            "00000000000000000000000000000000"u8.ToArray().CopyTo(hello, 12);
            await intruder.GetStream().WriteAsync(hello);
            await intruder.GetStream().FlushAsync();
        }

        var error = await Assert.ThrowsAsync<TimeoutException>(() => listening);
        Assert.Contains("did not all meet", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_nccl_backend_says_what_to_install_when_libnccl_is_missing()
    {
        using var folder = new TemporaryFolder();
        var error = await Assert.ThrowsAsync<DllNotFoundException>(() => NcclCollectives.ConnectAsync(0, 1, new FileRendezvousStore(folder.Path), "run", TimeSpan.FromSeconds(1), CancellationToken.None));
        Assert.Contains("libnccl.so.2", error.Message, StringComparison.Ordinal);
    }
}
