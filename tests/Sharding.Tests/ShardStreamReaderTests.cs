using Pipeline.Sharding.Manifest;
using Pipeline.Sharding.Reading;
using Pipeline.Sharding.Storage;
using Pipeline.TestServices;

namespace Pipeline.Sharding.Tests;

public sealed class ShardStreamReaderTests : IAsyncLifetime
{
    private const int Total = 437;
    private readonly TemporaryFolder _folder = new();
    private LocalFolderStore _store = null!;
    private ShardManifest _manifest = null!;

    public async Task InitializeAsync()
    {
        _store = new LocalFolderStore(_folder.Path);
        await TestSamples.WriteAsync(_store, Total, shardSamples: 60, rowGroupSamples: 16);
        _manifest = await new ManifestStore(_store).LoadAsync(CancellationToken.None);
    }

    public Task DisposeAsync()
    {
        _folder.Dispose();
        return Task.CompletedTask;
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(8)]
    public async Task Ranks_together_see_every_sample_once_per_epoch(int worldSize)
    {
        for (var epoch = 0; epoch < 2; epoch++)
        {
            var seen = new List<string>();
            var perRank = new List<int>();
            for (var rank = 0; rank < worldSize; rank++)
            {
                var keys = await ReadKeysAsync(new ShardStreamOptions { Rank = rank, WorldSize = worldSize, Seed = 7, ShuffleBuffer = 50, Epochs = epoch + 1 }, skipEpochs: epoch);
                perRank.Add(keys.Count);
                seen.AddRange(keys);
            }

            Assert.Equal(Total, seen.Count);
            Assert.Equal(Enumerable.Range(0, Total).Select(i => $"key-{i:D6}").Order(), seen.Order());
            // Row groups (12 to 16 samples here) are dealt round-robin, so rank counts differ by one group plus short groups.
            Assert.True(perRank.Max() - perRank.Min() <= 2 * 16, $"unbalanced ranks: {string.Join(',', perRank)}");
        }
    }

    [Fact]
    public async Task Order_is_shuffled_seeded_and_new_each_epoch()
    {
        var options = new ShardStreamOptions { Seed = 11, ShuffleBuffer = 100, Epochs = 2 };
        var twoEpochs = await ReadKeysAsync(options);
        var again = await ReadKeysAsync(options);
        var otherSeed = await ReadKeysAsync(new ShardStreamOptions { Seed = 12, ShuffleBuffer = 100, Epochs = 2 });

        Assert.Equal(2 * Total, twoEpochs.Count);
        Assert.Equal(twoEpochs, again);
        Assert.NotEqual(twoEpochs, otherSeed);
        var (first, second) = (twoEpochs[..Total], twoEpochs[Total..]);
        Assert.NotEqual(first, second);
        Assert.Equal(first.Order(), second.Order());
        var writtenOrder = Enumerable.Range(0, Total).Select(i => $"key-{i:D6}").ToList();
        Assert.NotEqual(writtenOrder, first);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(95)]
    [InlineData(436)]
    [InlineData(437)]
    [InlineData(600)]
    public async Task Resuming_from_a_saved_position_continues_exactly(int stopAfter)
    {
        var options = new ShardStreamOptions { Rank = 1, WorldSize = 2, Seed = 3, ShuffleBuffer = 40, Epochs = 3 };
        var reference = await ReadKeysAsync(options);

        var reader = new ShardStreamReader(_store, _manifest, options);
        var head = new List<string>();
        ReaderPosition? saved = null;
        if (stopAfter == 0)
        {
            saved = reader.SavePosition();
        }
        else
        {
            await foreach (var sample in reader.ReadAsync())
            {
                head.Add(sample.Key);
                if (head.Count == stopAfter)
                {
                    saved = reader.SavePosition();
                    break;
                }
            }
        }

        // The position travels as JSON, as it would inside a checkpoint.
        var position = ReaderPosition.FromJson(saved!.ToJson());
        var tail = new List<string>();
        await foreach (var sample in new ShardStreamReader(_store, _manifest, options).ReadAsync(position))
        {
            tail.Add(sample.Key);
        }

        Assert.Equal(reference, [.. head, .. tail]);
    }

    [Fact]
    public async Task A_position_from_another_manifest_is_refused()
    {
        var reader = new ShardStreamReader(_store, _manifest, new ShardStreamOptions());
        var position = reader.SavePosition() with { ManifestFingerprint = "0000000000000000" };
        var error = await Assert.ThrowsAsync<ArgumentException>(async () =>
        {
            await foreach (var unused in reader.ReadAsync(position))
            {
            }
        });
        Assert.Contains("different shard list", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_corrupt_row_group_stops_the_stream_with_its_name()
    {
        var entry = _manifest.Shards[2];
        using (var file = new FileStream(_store.Describe(entry.Path), FileMode.Open, FileAccess.ReadWrite))
        {
            file.Position = entry.RowGroups[0].Offset + 5;
            file.WriteByte(0xFF);
        }

        var error = await Assert.ThrowsAsync<ShardCorruptException>(() => ReadKeysAsync(new ShardStreamOptions { Epochs = 1 }));
        Assert.Equal(entry.Name, error.Shard);
        Assert.Equal(0, error.RowGroup);
    }

    private async Task<List<string>> ReadKeysAsync(ShardStreamOptions options, int skipEpochs = 0)
    {
        var reader = new ShardStreamReader(_store, _manifest, options);
        var skip = Enumerable.Range(0, skipEpochs).Sum(e => reader.SamplesPerEpoch(e));
        var keys = new List<string>();
        await foreach (var sample in reader.ReadAsync())
        {
            if (skip-- > 0)
            {
                continue;
            }

            keys.Add(sample.Key);
        }

        return keys;
    }
}
