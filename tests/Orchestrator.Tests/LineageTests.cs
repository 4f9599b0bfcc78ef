using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Pipeline.Curation.Matching;
using Pipeline.Curation.Tests;
using Pipeline.TestServices;
using Xunit.Abstractions;

namespace Pipeline.Orchestrator.Tests;

/// <summary>Lineage from <c>curate balance</c> through <c>crawl fetch</c>, <c>curate filter</c>, <c>dedup</c> and <c>refill</c>, as the shards hold it.</summary>
public sealed class LineageTests(ITestOutputHelper log) : IDisposable
{
    private static readonly string[] Entries = ["cat", "dog", "bird", "tree"];
    private const int Images = 40;
    private const int T = 6;
    private static readonly HashSet<int> Missing = [4, 5, 8, 9, 13, 16];

    private readonly TemporaryFolder _folder = new("lineage");

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task Every_sample_fetched_filtered_deduplicated_and_refilled_from_balanced_pairs_carries_its_pairs_lineage_and_a_plain_list_none()
    {
        await using var site = await LoopbackWebServer.StartAsync(app =>
            // The last two images repeat the first two: dedup drops a sample, lineage must survive for the rest.
            // A few are missing, so some entries lose kept pairs that the refill replaces from the reserve.
            app.MapGet("/img/{n:int}.jpg", (int n) => Missing.Contains(n)
                ? Results.NotFound()
                : Results.Bytes(SyntheticPhotos.Jpeg(n >= Images - 2 ? n - (Images - 2) : n), "image/jpeg")));
        var pool = _folder.Combine("pool.jsonl");
        // Keys of their own, so balancing does not depend on the server's port; only birds also match "tree".
        await File.WriteAllLinesAsync(pool, Enumerable.Range(0, Images).Select(i => JsonSerializer.Serialize(new
        {
            key = $"pair-{i:D2}",
            url = site.Url($"img/{i}.jpg").AbsoluteUri,
            caption = $"a {Entries[i % 4]} photo number {i}" + (i % 8 == 2 ? " in a tree" : ""),
        })));
        var entries = _folder.Combine("entries.txt");
        await File.WriteAllLinesAsync(entries, Entries);

        await RunAsync("curate", "match", pool, "--entries", entries, "--out", _folder.Combine("matches"));
        await RunAsync("curate", "balance", "--matches", _folder.Combine("matches"), "--out", _folder.Combine("balanced"), "-t", $"{T}", "--seed", "3");
        var balancedFile = _folder.Combine("balanced", "balanced.parquet");
        var pairs = await PairFile.ReadAsync(balancedFile, CancellationToken.None).ToDictionaryAsync(p => p.Key);
        Assert.Contains(pairs.Values, p => p.Balance!.Reserve);
        Assert.Contains(pairs.Values, p => p.EntryIds.Count > 1);

        await RunAsync("crawl", "fetch", balancedFile, "--out", _folder.Combine("fetched"), "--allow-loopback");
        await RunAsync("curate", "filter", _folder.Combine("fetched"), "--out", _folder.Combine("filtered"));
        await RunAsync("curate", "dedup", _folder.Combine("filtered"), "--out", _folder.Combine("deduped"));

        // The survivors carry the entries they matched: the refill needs the match run's counts, not its pairs.
        Directory.Delete(_folder.Combine("matches", PoolMatcher.MatchesFolder), recursive: true);
        await RunAsync("curate", "refill", _folder.Combine("deduped"), "--matches", _folder.Combine("matches"), "--out", _folder.Combine("final"), "-t", $"{T}", "--seed", "3");

        var fetched = await ShardLineageColumns.ReadStoreAsync(_folder.Combine("fetched"));
        Assert.Equal(pairs.Count - pairs.Values.Count(p => Missing.Contains(ImageOf(p.Url))), fetched.Count);
        var deduped = await ShardLineageColumns.ReadStoreAsync(_folder.Combine("deduped"));
        Assert.InRange(deduped.Count, 1, fetched.Count - 1);
        var final = await ShardLineageColumns.ReadStoreAsync(_folder.Combine("final"));
        var refilled = await PairFile.ReadAsync(_folder.Combine("final", "refill", "balanced.parquet"), CancellationToken.None).ToDictionaryAsync(p => p.Key);
        var stages = new[] { ("fetched", fetched), ("filtered", await ShardLineageColumns.ReadStoreAsync(_folder.Combine("filtered"))), ("deduped", deduped), ("final", final) };
        foreach (var (stage, samples) in stages)
        {
            log.WriteLine($"{stage}: {samples.Count} samples, {samples.Count(s => s.Reserve == true)} from the reserve");
            Assert.All(samples, sample =>
            {
                var pair = pairs[sample.Key];
                Assert.Equal(pair.EntryIds, sample.MatchedEntryIds);
                Assert.Equal(pair.Balance!.Reserve, sample.Reserve);
                // The refill may count a pair matched by several entries for another of them.
                var decision = stage == "final" ? refilled[sample.Key].Balance! : pair.Balance;
                Assert.Equal(decision.Entry, sample.KeptForEntry);
                Assert.Equal(decision.KeepProbability, sample.KeepProbability);
            });
        }

        // The refill: each entry ends at min(t, its surviving pairs), lost kept pairs replaced from its reserve.
        var survivingPerEntry = deduped.GroupBy(x => x.KeptForEntry!.Value).ToDictionary(g => g.Key, g => g.Count());
        var finalPerEntry = final.GroupBy(x => x.KeptForEntry!.Value).ToDictionary(g => g.Key, g => g.Count());
        log.WriteLine($"per entry, surviving -> final: {string.Join(", ", survivingPerEntry.OrderBy(e => e.Key).Select(e => $"{Entries[e.Key]} {e.Value} -> {finalPerEntry.GetValueOrDefault(e.Key)}"))}");
        Assert.All(finalPerEntry.Values, n => Assert.InRange(n, 1, T));
        // Cats and dogs match nothing else and lost images in fetch: each ends at exactly min(t, its survivors).
        Assert.Equal(Math.Min(T, survivingPerEntry[0]), finalPerEntry[0]);
        Assert.Equal(Math.Min(T, survivingPerEntry[1]), finalPerEntry[1]);
        Assert.Contains(final, x => x.Reserve == true);
        Assert.Subset(deduped.Select(x => x.Key).ToHashSet(), final.Select(x => x.Key).ToHashSet());

        // A plain URL list says nothing of why a pair is there: no lineage.
        var plain = _folder.Combine("urls.txt");
        await File.WriteAllLinesAsync(plain, Enumerable.Range(0, 3).Select(i => site.Url($"img/{i}.jpg").AbsoluteUri));
        await RunAsync("crawl", "fetch", plain, "--out", _folder.Combine("plain"), "--allow-loopback");
        var unbalanced = await ShardLineageColumns.ReadStoreAsync(_folder.Combine("plain"));
        Assert.Equal(3, unbalanced.Count);
        Assert.All(unbalanced, s => Assert.Equal((0, (int?)null, (double?)null, (bool?)null), (s.MatchedEntryIds.Length, s.KeptForEntry, s.KeepProbability, s.Reserve)));
    }

    private static int ImageOf(string url) => int.Parse(Path.GetFileNameWithoutExtension(new Uri(url).AbsolutePath), System.Globalization.CultureInfo.InvariantCulture);

    private async Task RunAsync(params string[] arguments)
    {
        var result = await PipelineExecutable.RunAsync(arguments);
        log.WriteLine($"$ pipeline {string.Join(' ', arguments)} -> {result.ExitCode}\n{string.Join('\n', result.Stdout)}\n{string.Join('\n', result.Stderr.TakeLast(5))}");
        Assert.True(result.ExitCode == 0, string.Join('\n', result.Stdout.Concat(result.Stderr.TakeLast(20))));
    }
}
