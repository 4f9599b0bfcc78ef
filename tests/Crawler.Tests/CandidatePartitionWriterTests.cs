using System.Text.Json;
using Pipeline.Crawler.Candidates;

namespace Pipeline.Crawler.Tests;

/// <summary>The extract's partition files: the same bytes however small the memory budget, with bounded memory.</summary>
public sealed class CandidatePartitionWriterTests : IDisposable
{
    private const int Partitions = 5;
    private readonly string _root = Path.Combine(Path.GetTempPath(), "partitions-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    /// <summary>3,000 candidates over 1,200 distinct pairs, each repeat from another page; the first page seen is the one kept.</summary>
    private static List<ImageCandidate> Pool()
    {
        var random = new Random(7);
        var pool = new List<ImageCandidate>();
        for (var i = 0; i < 3000; i++)
        {
            var pair = random.Next(1200);
            pool.Add(new ImageCandidate($"https://img{pair % 13}.example/{pair}.jpg", $"caption {pair}", $"https://page.example/{i}", TextSource.Alt));
        }

        return pool;
    }

    private async Task<(string Folder, CandidatePartitionWriter Writer, long Written)> WriteAsync(string name, int runLength)
    {
        var folder = Path.Combine(_root, name);
        var writer = new CandidatePartitionWriter(folder, Partitions, runLength);
        foreach (var candidate in Pool())
        {
            await writer.AddAsync(candidate, CancellationToken.None);
        }

        var written = await writer.CompleteAsync(CancellationToken.None);
        return (folder, writer, written);
    }

    [Fact]
    public async Task Small_memory_budget_spills_runs_and_writes_the_same_files()
    {
        var (inMemory, whole, wholeWritten) = await WriteAsync("whole", runLength: 1_000_000);
        var (spilled, small, smallWritten) = await WriteAsync("spilled", runLength: 37);

        Assert.Equal(0, whole.Runs);
        Assert.True(small.Runs >= 3000 / 37 / 2, $"only {small.Runs} runs spilled");
        Assert.True(small.PeakBuffered <= 37, $"held {small.PeakBuffered} candidates with a budget of 37");
        Assert.True(whole.PeakBuffered > 1000);
        Assert.False(Directory.Exists(Path.Combine(spilled, ".extract-runs")), "spilled runs are removed");

        var expected = Pool().DistinctBy(c => c.Key).ToList();
        Assert.Equal(expected.Count, wholeWritten);
        Assert.Equal(expected.Count, smallWritten);
        for (var p = 0; p < Partitions; p++)
        {
            var name = $"part-{p:D4}.jsonl";
            Assert.Equal(await File.ReadAllBytesAsync(Path.Combine(inMemory, name)), await File.ReadAllBytesAsync(Path.Combine(spilled, name)));
        }

        var firstPage = expected.ToDictionary(c => c.Key, c => c.PageUrl);
        var seen = new HashSet<string>();
        for (var p = 0; p < Partitions; p++)
        {
            var lines = await File.ReadAllLinesAsync(Path.Combine(spilled, $"part-{p:D4}.jsonl"));
            var keys = new List<string>();
            foreach (var line in lines)
            {
                using var json = JsonDocument.Parse(line);
                var key = json.RootElement.GetProperty("key").GetString()!;
                keys.Add(key);
                Assert.Equal(p, CandidatePartitionWriter.PartitionOf(key, Partitions));
                Assert.Equal(firstPage[key], json.RootElement.GetProperty("page_url").GetString());
                Assert.True(seen.Add(key), $"key {key} written twice");
            }

            Assert.Equal(keys.Order(StringComparer.Ordinal), keys);
        }

        Assert.Equal(expected.Count, seen.Count);
    }

    [Fact]
    public async Task Leftover_runs_of_an_interrupted_attempt_are_not_merged()
    {
        var folder = Path.Combine(_root, "rerun");
        var stale = Path.Combine(folder, ".extract-runs");
        Directory.CreateDirectory(stale);
        await File.WriteAllTextAsync(Path.Combine(stale, "run-000000.tsv"), "ffff\t{\"key\":\"ffff\"}\n");

        using var writer = new CandidatePartitionWriter(folder, 1, 10);
        await writer.AddAsync(new ImageCandidate("https://a.example/1.jpg", "a cat", null, TextSource.Alt), CancellationToken.None);
        Assert.Equal(1, await writer.CompleteAsync(CancellationToken.None));
        var line = Assert.Single(await File.ReadAllLinesAsync(Path.Combine(folder, "part-0000.jsonl")));
        Assert.Contains("a cat", line, StringComparison.Ordinal);
    }
}
