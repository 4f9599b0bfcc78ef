using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Pipeline.Curation.Matching;
using Pipeline.Curation.Stages;
using Pipeline.Sharding.Lists;
using Pipeline.Sharding.Progress;
using Pipeline.TestServices;

namespace Pipeline.Curation.Tests;

public sealed class MatchStageTests
{
    private static readonly IProgress<StageProgress> Quiet = new Progress<StageProgress>();

    [Fact]
    public async Task Partitions_matched_as_work_items_two_at_a_time_give_what_one_process_gives()
    {
        using var folder = new TemporaryFolder("match-items");
        string[] words = ["red", "blue", "green", "dog", "cat", "tree", "house", "river", "stone", "bird"];
        var entries = folder.Combine("entries.txt");
        await File.WriteAllLinesAsync(entries, [.. words, "red dog", "old stone house"]);
        var random = new Random(4);
        var inputs = new List<string>();
        for (var p = 0; p < 5; p++)
        {
            var path = folder.Combine($"part-{p:D4}.jsonl");
            await File.WriteAllLinesAsync(path, Enumerable.Range(0, 400).Select(i => JsonSerializer.Serialize(new
            {
                key = $"p{p}-{i}",
                url = $"https://example.org/{p}/{i}.jpg",
                caption = string.Join(' ', Enumerable.Range(0, random.Next(1, 7)).Select(_ => random.Next(3) == 0 ? "old" : words[random.Next(words.Length)])),
            })));
            inputs.Add(path);
        }

        var here = await MatchStage.RunAsync(inputs, entries, folder.Combine("here"), new MatcherOptions(), new UrlListColumns(), 2, NullLoggerFactory.Instance, Quiet, CancellationToken.None);
        var items = await MatchStage.RunAsync(
            inputs, entries, folder.Combine("items"), new MatcherOptions(), new UrlListColumns(), 1, NullLoggerFactory.Instance, new MatchWorker(NullLoggerFactory.Instance), parallel: 2, Quiet, CancellationToken.None);

        Assert.True(here.Matched > 1000, $"{here.Matched} matched");
        Assert.Equal((here.Candidates, here.Matched, here.EntriesMatched, here.Matches), (items.Candidates, items.Matched, items.EntriesMatched, items.Matches));
        Assert.Equal(await File.ReadAllBytesAsync(folder.Combine("here", MatchStage.CountsFile)), await File.ReadAllBytesAsync(folder.Combine("items", MatchStage.CountsFile)));
        foreach (var partition in here.Partitions)
        {
            var a = await PairFile.ReadAsync(folder.Combine("here", PoolMatcher.MatchesFolder, partition.Partition + ".parquet"), CancellationToken.None).ToListAsync();
            var b = await PairFile.ReadAsync(folder.Combine("items", PoolMatcher.MatchesFolder, partition.Partition + ".parquet"), CancellationToken.None).ToListAsync();
            Assert.Equal(a.Select(p => (p.Key, string.Join(',', p.EntryIds))), b.Select(p => (p.Key, string.Join(',', p.EntryIds))));
        }

        // A rerun as work items resumes every committed partition.
        var again = await MatchStage.RunAsync(
            inputs, entries, folder.Combine("items"), new MatcherOptions(), new UrlListColumns(), 1, NullLoggerFactory.Instance, new MatchWorker(NullLoggerFactory.Instance), parallel: 2, Quiet, CancellationToken.None);
        Assert.All(again.Partitions, p => Assert.True(p.Resumed));
        Assert.Equal(here.Matched, again.Matched);
    }
}
