using System.Security.Cryptography;
using Pipeline.Orchestrator.Campaigns;
using Pipeline.Orchestrator.Grains.Counters;

namespace Pipeline.Orchestrator.Tests;

/// <summary>The entry counters on an embedded silo with real file grain storage: chunks go to a log, the counters are checkpointed, restarts replay.</summary>
public sealed class EntryCountersGrainTests() : EmbeddedSiloTest("entry-counters")
{
    private static FetchChunkReport Chunk(int i) => new(
        $"chunk-{i:D5}", 10, 9, AlreadyDone: false, [.. Enumerable.Range(i * 10, 9)],
        new Dictionary<string, long> { ["Timeout"] = 1 }, new Dictionary<string, long> { [$"host{i % 3}.example"] = 1 });

    private string CheckpointPath(string name) => Storage.PathFor("counters", Grains.GetGrain<IEntryCountersGrain>(name).GetGrainId());

    private string[] LogFiles(string name) =>
        [.. Enumerable.Range(0, 200).Select(s => Storage.PathFor("counters-log", Grains.GetGrain<IEntryCountersLogGrain>(EntryCountersGrain.LogKey(name, s)).GetGrainId())).Where(File.Exists)];

    [Fact]
    public async Task Adding_a_chunk_writes_a_small_log_segment_not_the_counters_of_every_entry_and_a_restart_replays_the_log()
    {
        var counters = Grains.GetGrain<IEntryCountersGrain>("big");
        await counters.SetMatched(200_000, 20, Enumerable.Range(0, 200_000).ToDictionary(e => e, e => (long)(e % 50 + 1)), ["first"]);
        var checkpoint = await File.ReadAllBytesAsync(CheckpointPath("big"));
        Assert.True(checkpoint.Length > 1_000_000, $"the checkpoint holds {checkpoint.Length} bytes");

        for (var i = 0; i < 100; i++)
        {
            await counters.AddChunk(Chunk(i));
        }

        await counters.AddChunk(Chunk(5));
        await counters.AddChunk(Chunk(100) with { AlreadyDone = true });
        var fill = await counters.GetFill();
        Assert.Equal((1000, 900), (fill.Attempted, fill.Images));
        Assert.Equal(100, fill.ErrorsByClass["Timeout"]);

        // The counters of 200k entries were not rewritten for any chunk; the log holds the chunks in 16s.
        Assert.Equal(SHA256.HashData(checkpoint), SHA256.HashData(await File.ReadAllBytesAsync(CheckpointPath("big"))));
        var log = LogFiles("big");
        Assert.Equal(7, log.Length);
        Assert.All(log, f => Assert.True(new FileInfo(f).Length < 16_000, $"{f}: {new FileInfo(f).Length} bytes"));

        await RestartAsync();
        counters = Grains.GetGrain<IEntryCountersGrain>("big");
        var replayed = await counters.GetFill();
        Assert.Equal((fill.Attempted, fill.Images, fill.EntriesFetched), (replayed.Attempted, replayed.Images, replayed.EntriesFetched));
        Assert.Equal(fill.RankedFetched, replayed.RankedFetched);
        Assert.Equal(fill.ErrorsByHost, replayed.ErrorsByHost);
        await counters.AddChunk(Chunk(7));
        Assert.Equal(1000, (await counters.GetFill()).Attempted);
    }

    [Fact]
    public async Task A_checkpoint_folds_the_log_and_removes_its_segments_and_forget_removes_everything()
    {
        var counters = Grains.GetGrain<IEntryCountersGrain>("fold");
        await counters.SetMatched(1_000, 5, new Dictionary<int, long> { [1] = 3 }, []);
        var chunks = (EntryCountersGrain.SegmentSize * EntryCountersGrain.CheckpointEvery) + 3;
        for (var i = 0; i < chunks; i++)
        {
            await counters.AddChunk(Chunk(i));
        }

        Assert.Single(LogFiles("fold"));
        await RestartAsync();
        counters = Grains.GetGrain<IEntryCountersGrain>("fold");
        Assert.Equal(chunks * 10L, (await counters.GetFill()).Attempted);

        await counters.Forget();
        Assert.Empty(LogFiles("fold"));
        Assert.Equal(0, (await counters.GetFill()).Attempted);
        await RestartAsync();
        Assert.Equal(0, (await Grains.GetGrain<IEntryCountersGrain>("fold").GetFill()).Attempted);
    }
}
