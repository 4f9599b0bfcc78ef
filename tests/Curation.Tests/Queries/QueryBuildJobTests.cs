using Pipeline.Curation.Queries;
using Pipeline.Curation.Wikipedia;
using Pipeline.Curation.WordNet;
using Pipeline.Sharding.Progress;
using Pipeline.TestServices;

namespace Pipeline.Curation.Tests.Queries;

public sealed class QueryBuildJobTests
{
    [Fact]
    public async Task Pmi_and_counts_on_a_tiny_corpus_match_the_hand_computation()
    {
        using var folder = new TemporaryFolder();
        var dump = WikiDumps.WriteXml(Path.Combine(folder.Path, "tiny.xml"),
        [
            new("A", "new york is big"),
            new("B", "new [[York]] city"),
            new("C", "'''big''' city{{infobox|new york new york}}"),
            new("D", "new york new york new york", Namespace: 1),
            new("E", "#REDIRECT [[New York]]", RedirectTo: "New York"),
        ]);

        // Words: new york is big | new York city | big city -> N = 9 (york and York differ); pairs: P = 6.
        var options = new QueryOptions { MinUnigramCount = 2, MinBigramCount = 1, MinBigramPmi = 0, MaxNumber = -1 };
        var (entries, summary) = await BuildAsync(folder, new QueryBuildInputs(WikiDump.Open(dump), [], null), options);
        Assert.Equal((3, 3, 9L, 6L), (summary.Pages - 2, summary.Articles, summary.Tokens, summary.Pairs));

        // Unigrams with count >= 2: new 2, big 2, city 2 (york and York are once each, is once).
        Assert.Equal(["big", "city", "new"], entries.Values.Where(e => e.Sources == QuerySources.Unigram).Select(e => e.Text).Order(StringComparer.Ordinal));
        Assert.Equal(2, entries["new"].Count);

        // PMI = (c(ab)/P) / ((c(a)/N)(c(b)/N)).
        Assert.Equal(1.0 / 6 / (2.0 / 9 * (1.0 / 9)), entries["new york"].Pmi!.Value, 12); // 6.75
        Assert.Equal(1.0 / 6 / (1.0 / 9 * (1.0 / 9)), entries["york is"].Pmi!.Value, 12); // 13.5
        Assert.Equal(1.0 / 6 / (2.0 / 9 * (2.0 / 9)), entries["big city"].Pmi!.Value, 12); // 3.375
        Assert.Equal(6, entries.Values.Count(e => e.Sources.HasFlag(QuerySources.Bigram)));

        // Thresholds: PMI >= 5 keeps new york, york is, is big, new York, York city; count >= 2 keeps none.
        var (strict, _) = await BuildAsync(folder, new QueryBuildInputs(WikiDump.Open(dump), [], null), new QueryOptions { MinUnigramCount = 2, MinBigramCount = 1, MinBigramPmi = 5, MaxNumber = -1 }, "strict");
        Assert.Equal(["York city", "is big", "new York", "new york", "york is"], strict.Values.Where(e => e.Sources.HasFlag(QuerySources.Bigram)).Select(e => e.Text).Order(StringComparer.Ordinal));
        var (frequent, _) = await BuildAsync(folder, new QueryBuildInputs(WikiDump.Open(dump), [], null), new QueryOptions { MinUnigramCount = 2, MinBigramCount = 2, MinBigramPmi = 0, MaxNumber = -1 }, "frequent");
        Assert.DoesNotContain(frequent.Values, e => e.Sources.HasFlag(QuerySources.Bigram));
    }

    [Fact]
    public async Task Titles_need_the_hourly_minimum_and_the_summed_minimum_and_no_colon()
    {
        using var folder = new TemporaryFolder();
        var hours = new[]
        {
            WikiDumps.WritePageviews(Path.Combine(folder.Path, "pageviews-20240501-100000.gz"),
                "en Dog 60 0", "en.m Dog 20 0", "en Cat 40 0", "en Talk:Dog 500 0", "de Hund 900 0", "en Hot_dog 50 0", "en Rare 10 0", "en ! 300 0", "en Broken notanumber 0", "garbage"),
            WikiDumps.WritePageviews(Path.Combine(folder.Path, "pageviews-20240501-110000.gz"),
                "en Cat 45 0", "en Hot_dog 30 0", "en Dog 10 0", "en.m Cat 4 0"),
            WikiDumps.WritePageviews(Path.Combine(folder.Path, "pageviews-20240501-120000.gz"),
                "en Hot_dog 55 0", "en Cat 49 0"),
        };
        var (entries, summary) = await BuildAsync(folder, new QueryBuildInputs(null, hours, null), new QueryOptions { MaxNumber = -1 });

        // Dog: 60+20 in hour 1 (the hour's 10 falls short); Hot dog: 50 + 55; Cat never reaches 50 in an hour.
        Assert.Equal(["Dog", "Hot dog"], entries.Keys.Order(StringComparer.Ordinal));
        Assert.Equal((80L, 105L), (entries["Dog"].Views, entries["Hot dog"].Views));
        Assert.Equal((3, 2L, 1L), (summary.PageviewFiles, summary.PageviewLinesMalformed, summary.DroppedPunctuation));
    }

    [Fact]
    public async Task WordNet_entries_are_the_distinct_synset_head_names_of_debians_wordnet()
    {
        using var folder = new TemporaryFolder();
        var wordNet = WordNetLocator.Locate();
        var expected = new HashSet<string>(StringComparer.Ordinal);
        foreach (var file in new[] { "data.noun", "data.verb", "data.adj", "data.adv" })
        {
            foreach (var line in File.ReadLines(Path.Combine(wordNet.Directory, file)))
            {
                if (line.Length == 0 || line[0] == ' ')
                {
                    continue;
                }

                var head = line.Split(' ')[4];
                var marker = head.IndexOf('(', StringComparison.Ordinal);
                expected.Add((marker > 0 ? head[..marker] : head).Replace('_', ' '));
            }
        }

        var (entries, summary) = await BuildAsync(folder, new QueryBuildInputs(null, [], wordNet), new QueryOptions());
        Assert.True(expected.Count > 50_000, $"{expected.Count} head names");
        Assert.Equal(expected.Order(StringComparer.Ordinal), entries.Values.Where(e => e.Sources.HasFlag(QuerySources.WordNet)).Select(e => e.Text).Order(StringComparer.Ordinal));
        Assert.Equal(117_659, summary.Synsets);
        Assert.Equal("02084071-n", entries["dog"].Synset);

        // The numbers 0 to 99; some are WordNet heads too.
        Assert.Equal(100, entries.Values.Count(e => e.Sources.HasFlag(QuerySources.Number)));
        Assert.All(Enumerable.Range(0, 100).Select(n => n.ToString(System.Globalization.CultureInfo.InvariantCulture)), n =>
            Assert.Equal(expected.Contains(n) ? QuerySources.WordNet | QuerySources.Number : QuerySources.Number, entries[n].Sources));
        Assert.Equal(summary.Entries, entries.Count);
    }

    [Fact]
    public async Task Several_workers_with_spills_give_the_entries_of_one_process_and_a_killed_partition_is_redone_once()
    {
        using var folder = new TemporaryFolder();
        var pages = WikiDumps.Generated(900, seed: 7);
        var (dump, _, streams) = WikiDumps.WriteMultistream(folder.Path, "gen", pages, pagesPerStream: 50);
        var thresholds = new QueryOptions { MinUnigramCount = 20, MinBigramCount = 3, MinBigramPmi = 2, MaxNumber = 20 };

        var one = new QueryOptions { MinUnigramCount = 20, MinBigramCount = 3, MinBigramPmi = 2, MaxNumber = 20, PartitionBytes = long.MaxValue / 4, Buckets = 1, MaxEntriesInMemory = 1_000_000 };
        var (single, singleSummary) = await BuildAsync(folder, new QueryBuildInputs(WikiDump.Open(dump), [], null), one, "one", parallel: 1);
        Assert.Equal(1, singleSummary.Partitions);

        var many = new QueryOptions { MinUnigramCount = 20, MinBigramCount = 3, MinBigramPmi = 2, MaxNumber = 20, PartitionBytes = streams[3] - streams[0], Buckets = 5, MaxEntriesInMemory = 1000 };
        var (spread, spreadSummary) = await BuildAsync(folder, new QueryBuildInputs(WikiDump.Open(dump), [], null), many, "many", parallel: 3);
        Assert.True(spreadSummary.Partitions >= 4, $"{spreadSummary.Partitions} partitions");
        Assert.True(single.Values.Count(e => e.Sources.HasFlag(QuerySources.Bigram)) > 20);
        Assert.True(single.Values.Count(e => e.Sources.HasFlag(QuerySources.Unigram)) > 50);
        Assert.Equal(single.Values.OrderBy(e => e.Text, StringComparer.Ordinal), spread.Values.OrderBy(e => e.Text, StringComparer.Ordinal));
        Assert.Equal((singleSummary.Tokens, singleSummary.Pairs, singleSummary.DistinctWords, singleSummary.DistinctBigrams), (spreadSummary.Tokens, spreadSummary.Pairs, spreadSummary.DistinctWords, spreadSummary.DistinctBigrams));
        Assert.Equal(thresholds.MinUnigramCount, many.MinUnigramCount);

        // A worker killed before its commit: partition 1's record is gone, its half-written attempt is left behind, the merges are gone.
        var work = Path.Combine(folder.Path, "many.work");
        var counts = Path.Combine(work, QueryPaths.Counts);
        var attempt = QueryWorker.ReadCountDone(work, 1)!.Attempt;
        File.Delete(Path.Combine(work, QueryPaths.CountDone(1)));
        Directory.CreateDirectory(Path.Combine(counts, "p00001.killed"));
        File.WriteAllText(Path.Combine(counts, "p00001.killed", QueryPaths.WordRun(0, 0)), "half a run");
        Directory.Delete(Path.Combine(work, QueryPaths.Merged(many)), recursive: true);

        var (again, againSummary) = await BuildAsync(folder, new QueryBuildInputs(WikiDump.Open(dump), [], null), many, "many", parallel: 3);
        Assert.Equal(spreadSummary.Partitions - 1, againSummary.PartitionsResumed);
        Assert.Equal(spread.Values, again.Values.OrderBy(e => e.Text, StringComparer.Ordinal));
        Assert.Equal(spreadSummary.Tokens, againSummary.Tokens);
        var left = Directory.GetDirectories(counts).Select(Path.GetFileName).ToList();
        Assert.Equal(spreadSummary.Partitions, left.Count);
        Assert.DoesNotContain("p00001.killed", left);
        Assert.DoesNotContain(attempt, left);
    }

    [Fact]
    public async Task A_corrupt_partition_fails_alone_and_nothing_is_written_unless_asked()
    {
        using var folder = new TemporaryFolder();
        var pages = WikiDumps.Generated(300, seed: 3);
        var (dump, _, streams) = WikiDumps.WriteMultistream(folder.Path, "bad", pages, pagesPerStream: 50);
        var bytes = File.ReadAllBytes(dump);
        for (var i = streams[2] + 30; i < streams[2] + 50; i++)
        {
            bytes[i] ^= 0xA5;
        }

        File.WriteAllBytes(dump, bytes);
        var options = new QueryOptions { MinUnigramCount = 5, MinBigramCount = 3, MinBigramPmi = 1, PartitionBytes = 1, MaxNumber = -1 };
        var output = Path.Combine(folder.Path, "bad.parquet");
        var lines = new List<string>();
        var job = new QueryBuildJob(new QueryBuildInputs(WikiDump.Open(dump), [], null), output, null, options, new QueryWorker(), 2)
        {
            Progress = new ImmediateProgress<StageProgress>(p => lines.Add(p.ToString())),
        };
        var summary = await job.RunAsync(CancellationToken.None);

        var failure = Assert.Single(summary.Failures);
        Assert.Contains("partition 2", failure.Item, StringComparison.Ordinal);
        Assert.Contains(dump, failure.Reason, StringComparison.Ordinal);
        Assert.Contains($"bzip2 stream at byte {streams[2]:N0}", failure.Reason, StringComparison.Ordinal);
        Assert.Contains(lines, l => l.Contains("FAILED", StringComparison.Ordinal));
        Assert.False(File.Exists(output));
        Assert.Null(summary.Output);
        Assert.Equal(streams.Count - 1, Enumerable.Range(0, streams.Count).Count(p => QueryWorker.ReadCountDone(job.WorkFolder, p) is not null));

        // Asked to, it builds from the readable partitions, resuming their counts.
        options.SkipFailedPartitions = true;
        var skipping = new QueryBuildJob(new QueryBuildInputs(WikiDump.Open(dump), [], null), output, null, options, new QueryWorker(), 2);
        var partial = await skipping.RunAsync(CancellationToken.None);
        Assert.Equal(streams.Count - 1, partial.PartitionsResumed);
        Assert.True(File.Exists(output));
        Assert.Single(partial.Failures);
        Assert.True(partial.Entries > 0);
    }

    private static async Task<(Dictionary<string, QueryEntry> Entries, QuerySummary Summary)> BuildAsync(TemporaryFolder folder, QueryBuildInputs inputs, QueryOptions options, string name = "queries", int parallel = 2)
    {
        var output = Path.Combine(folder.Path, name + ".parquet");
        var job = new QueryBuildJob(inputs, output, null, options, new QueryWorker(new QueryCounters()), parallel);
        var summary = await job.RunAsync(CancellationToken.None);
        Assert.Empty(summary.Failures);
        var entries = await QueryEntryFile.ReadAsync(output, CancellationToken.None);
        Assert.Equal(entries.Count, entries.Select(e => e.Text).Distinct(StringComparer.Ordinal).Count());
        Assert.True(File.Exists(QuerySummary.PathFor(output)));
        return (entries.ToDictionary(e => e.Text, StringComparer.Ordinal), summary);
    }
}
