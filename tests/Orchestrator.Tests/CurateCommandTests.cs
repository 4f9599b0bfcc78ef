using System.Text;
using System.Text.Json;
using Pipeline.Curation.Counting;
using Pipeline.Curation.Matching;
using Pipeline.TestServices;
using Xunit.Abstractions;

namespace Pipeline.Orchestrator.Tests;

/// <summary>`pipeline curate match|balance` as separate processes over real pool files.</summary>
public sealed class CurateCommandTests(ITestOutputHelper log) : IDisposable
{
    private static readonly string[] Words = ["cat", "dog", "red car", "blue sky", "tree", "house", "apple", "New York", "river", "bird", "a", "the", "photo of"];
    private readonly TemporaryFolder _folder = new("curate");

    public void Dispose() => _folder.Dispose();

    /// <summary>Writes 4 pool files (one gzipped) of 1500 captions each, plus three broken lines in the first.</summary>
    private string WritePool()
    {
        var pool = _folder.Combine("pool");
        Directory.CreateDirectory(pool);
        var random = new Random(3);
        for (var p = 0; p < 4; p++)
        {
            var lines = new StringBuilder();
            for (var i = 0; i < 1500; i++)
            {
                var caption = string.Join(' ', Enumerable.Range(0, 4).Select(_ => Words[random.Next(Words.Length)])) + (i % 3 == 0 ? "." : "");
                lines.Append(JsonSerializer.Serialize(new { url = $"https://example.org/{p}/{i}.jpg", caption })).Append('\n');
            }

            var bytes = Encoding.UTF8.GetBytes(lines.ToString());
            if (p == 0)
            {
                // Invalid JSON, a missing caption, and invalid UTF-8 inside a string (U+00FF's lead byte C3 made FF).
                bytes = [.. bytes, .. "{oops\n"u8, .. "{\"url\":\"x\"}\n"u8, .. "{\"url\":\"y\",\"caption\":\"bad \xFF byte\"}\n"u8.ToArray().Select(b => b == 0xC3 ? (byte)0xFF : b)];
            }

            var path = Path.Combine(pool, $"part-{p}.jsonl" + (p == 3 ? ".gz" : ""));
            if (p == 3)
            {
                using var gz = new System.IO.Compression.GZipStream(File.Create(path), System.IO.Compression.CompressionLevel.Fastest);
                gz.Write(bytes);
            }
            else
            {
                File.WriteAllBytes(path, bytes);
            }
        }

        return pool;
    }

    private async Task<(int ExitCode, IReadOnlyList<string> Stdout, IReadOnlyList<string> Stderr)> RunAsync(params string[] arguments)
    {
        var result = await PipelineExecutable.RunAsync(arguments);
        log.WriteLine($"$ pipeline {string.Join(' ', arguments)} -> {result.ExitCode}\n{string.Join('\n', result.Stdout)}\n{string.Join('\n', result.Stderr.TakeLast(5))}");
        return result;
    }

    [Fact]
    public async Task Workers_matching_parts_of_the_pool_count_exactly_what_one_process_counts_and_a_redone_partition_counts_once()
    {
        var pool = WritePool();
        var entries = _folder.Combine("entries.json");
        await File.WriteAllTextAsync(entries, JsonSerializer.Serialize(Words));
        var files = Directory.GetFiles(pool).Order(StringComparer.Ordinal).ToArray();

        var single = await RunAsync("curate", "match", pool, "--entries", entries, "--out", _folder.Combine("single"), "--threads", "1");
        Assert.Equal(0, single.ExitCode);
        Assert.Contains(single.Stdout, l => l.Contains("3 unreadable records", StringComparison.Ordinal));
        Assert.Contains(single.Stdout, l => l.Contains("part-0.jsonl:1502", StringComparison.Ordinal) && l.Contains("no string 'caption'", StringComparison.Ordinal));
        Assert.Contains(single.Stdout, l => l.Contains("part-0.jsonl:1503", StringComparison.Ordinal) && l.Contains("UTF-8", StringComparison.Ordinal));

        // Three workers at once, each on its own partitions, into one folder; then a run over the whole pool
        // finds every partition committed and merges.
        var multi = _folder.Combine("multi");
        var workers = await Task.WhenAll(
            RunAsync("curate", "match", files[0], files[3], "--entries", entries, "--out", multi),
            RunAsync("curate", "match", files[1], "--entries", entries, "--out", multi),
            RunAsync("curate", "match", files[2], "--entries", entries, "--out", multi));
        Assert.All(workers, w => Assert.Equal(0, w.ExitCode));

        // A worker died after writing partition part-1's files but before its commit record: it is redone.
        File.Delete(Path.Combine(multi, PoolMatcher.PartitionsFolder, "part-1.json"));
        var merge = await RunAsync("curate", "match", pool, "--entries", entries, "--out", multi);
        Assert.Equal(0, merge.ExitCode);
        Assert.Contains(merge.Stderr, l => l.Contains("part-1 (2/4) committed", StringComparison.Ordinal));
        Assert.Equal(3, merge.Stderr.Count(l => l.Contains("already committed", StringComparison.Ordinal) && l.StartsWith("match:", StringComparison.Ordinal)));

        var one = await EntryCounts.LoadAsync(_folder.Combine("single", "counts.bin"), CancellationToken.None);
        var many = await EntryCounts.LoadAsync(Path.Combine(multi, "counts.bin"), CancellationToken.None);
        Assert.True(one.SameAs(many), "counts differ between one process and several workers");
        Assert.True(one.Total > 6000 * 2, $"only {one.Total} matches: the pool did not exercise counting");

        // The matched pairs are the same too, partition by partition.
        foreach (var file in files)
        {
            var name = PoolMatcher.PartitionName(file);
            var a = await PairFile.ReadAsync(_folder.Combine("single", "matches", name + ".parquet"), CancellationToken.None).ToListAsync();
            var b = await PairFile.ReadAsync(Path.Combine(multi, "matches", name + ".parquet"), CancellationToken.None).ToListAsync();
            Assert.Equal(a.Select(p => (p.Key, string.Join(',', p.EntryIds))), b.Select(p => (p.Key, string.Join(',', p.EntryIds))));
        }

        // Resuming into the folder with another entry list is refused: its counts would not add up.
        var other = _folder.Combine("other.json");
        await File.WriteAllTextAsync(other, JsonSerializer.Serialize(Words.Reverse()));
        var refused = await RunAsync("curate", "match", pool, "--entries", other, "--out", multi);
        Assert.Equal(2, refused.ExitCode);
        Assert.Contains(refused.Stderr, l => l.Contains("different entries", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Balance_caps_every_entry_writes_a_data_card_and_refills_from_reserve_after_losses()
    {
        var pool = WritePool();
        var entries = _folder.Combine("entries.txt");
        await File.WriteAllLinesAsync(entries, Words);
        var matches = _folder.Combine("matches");
        Assert.Equal(0, (await RunAsync("curate", "match", pool, "--entries", entries, "--out", matches)).ExitCode);

        var balanced = _folder.Combine("balanced");
        var balance = await RunAsync("curate", "balance", "--matches", matches, "--out", balanced, "-t", "200", "--seed", "5");
        Assert.Equal(0, balance.ExitCode);
        using var card = JsonDocument.Parse(await File.ReadAllBytesAsync(Path.Combine(balanced, "datacard.json")));
        Assert.Equal(200, card.RootElement.GetProperty("max_kept_for_one_entry").GetInt64());
        Assert.Equal(Words.Length, card.RootElement.GetProperty("entries_with_kept_pairs").GetInt32());
        using (var plot = NetVips.Image.NewFromFile(Path.Combine(balanced, "datacard.png")))
        {
            Assert.Equal((800, 500), (plot.Width, plot.Height));
        }

        var pairs = await PairFile.ReadAsync(Path.Combine(balanced, "balanced.parquet"), CancellationToken.None).ToListAsync();
        var keptPerEntry = pairs.GroupBy(p => p.Balance!.Entry).Select(g => g.Count(p => !p.Balance!.Reserve)).ToList();
        Assert.All(keptPerEntry, kept => Assert.InRange(kept, 1, 200));
        Assert.True(keptPerEntry.Count(k => k == 200) >= Words.Length / 2, "most entries have far more than t matches and should be cut to exactly t");
        Assert.Contains(pairs, p => p.Balance!.Reserve);

        // Lose a quarter of the kept pairs in "download", keep the rest and the reserve, and rebalance.
        var random = new Random(1);
        var survivors = pairs.Where(p => p.Balance!.Reserve || random.Next(4) != 0).Select(p => p.Key).ToList();
        var survivorsFile = _folder.Combine("survivors.txt");
        await File.WriteAllLinesAsync(survivorsFile, survivors);
        var refill = await RunAsync("curate", "balance", "--matches", matches, "--out", _folder.Combine("refilled"), "-t", "200", "--seed", "5", "--survivors", survivorsFile);
        Assert.Equal(0, refill.ExitCode);
        var refilled = await PairFile.ReadAsync(_folder.Combine("refilled", "balanced.parquet"), CancellationToken.None).ToListAsync();
        Assert.DoesNotContain(refilled, p => p.Balance!.Reserve);
        Assert.Subset(survivors.ToHashSet(), refilled.Select(p => p.Key).ToHashSet());
        var perEntry = refilled.GroupBy(p => p.Balance!.Entry).ToDictionary(g => g.Key, g => g.Count());
        Assert.All(perEntry.Values, n => Assert.True(n <= 200));
        var survivingKept = pairs.Count(p => !p.Balance!.Reserve && survivors.Contains(p.Key));
        log.WriteLine($"kept per entry after refill: {string.Join(' ', perEntry.OrderBy(e => e.Key).Select(e => e.Value))}; {survivingKept} kept pairs survived");
        Assert.True(refilled.Count > survivingKept, "no reserve pair replaced a lost one");
        Assert.True(perEntry.Values.Count(n => n == 200) >= 10, "most entries should be refilled to exactly t from their reserve");

        var missing = await RunAsync("curate", "balance", "--matches", _folder.Combine("nowhere"), "--out", balanced);
        Assert.Equal(2, missing.ExitCode);
    }
}
