using System.Text.Json;
using Pipeline.Curation.Jobs;
using Pipeline.Curation.Overlap;
using Pipeline.TestServices;

namespace Pipeline.Curation.Tests;

public sealed class CurationJobTests
{
    [Fact]
    public async Task Dedup_drops_exact_and_near_duplicates_keeping_the_preferred_sample_and_naming_it()
    {
        using var folder = new TemporaryFolder("dedup");
        var (samples, drops) = CurationInputs.WithDuplicates();
        var input = Path.Combine(folder.Path, "in");
        await CurationInputs.WriteAsync(input, samples, perShard: 7);
        var output = Path.Combine(folder.Path, "out");

        var summary = await new CurationJob(input, output, new CurationSettings { Threads = 2 }, new CurationWorker(), parallel: 2).DedupAsync(CancellationToken.None);

        var kept = await CurationInputs.ReadAllAsync(output);
        Assert.Equal(samples.Where(s => !drops.ContainsKey(s.Key)).Select(s => s.Url).Order(), kept.Select(s => s.Url).Order());
        Assert.All(kept, s => Assert.NotNull(s.PerceptualHash));
        var dropped = CurationInputs.ReadDropped(output, "dedup").ToDictionary(d => d.GetProperty("key").GetString()!);
        Assert.Equal(drops.Keys.Order(), dropped.Keys.Order());
        foreach (var (key, (reason, of)) in drops)
        {
            Assert.Equal(reason, dropped[key].GetProperty("reason").GetString());
            if (of.Length > 0)
            {
                Assert.Equal(of, dropped[key].GetProperty("duplicateOf").GetString());
            }
        }

        Assert.Equal(samples.Count, summary.Samples);
        Assert.Equal(kept.Count, summary.Kept);
        Assert.Equal(4, summary.Dropped["near_duplicate"]);
        Assert.Equal(1, summary.Dropped["undecodable"]);
        Assert.True(File.Exists(Path.Combine(output, "dedup-summary.json")));
    }

    [Fact]
    public async Task Dedup_keeps_the_same_samples_whatever_the_partitioning_order_parallelism_and_resolver_and_resumes_without_duplicating()
    {
        using var folder = new TemporaryFolder("dedup-partitions");
        var (samples, _) = CurationInputs.WithDuplicates();
        var one = Path.Combine(folder.Path, "one");
        var many = Path.Combine(folder.Path, "many");
        await CurationInputs.WriteAsync(one, samples, perShard: 100);
        await CurationInputs.WriteAsync(many, Enumerable.Reverse(samples), perShard: 3);

        // One store decided in memory, the other (reversed, in small shards) through hash partitions of 4 samples.
        var single = await new CurationJob(one, one + "-out", new CurationSettings { Threads = 1 }, new CurationWorker(), parallel: 1).DedupAsync(CancellationToken.None);
        var spread = await new CurationJob(many, many + "-out", new CurationSettings { Threads = 2, Dedup = new DedupOptions { IndexRows = 3, PartitionRows = 4 } }, new CurationWorker(), parallel: 3).DedupAsync(CancellationToken.None);

        Assert.Equal(single.Dropped, spread.Dropped);
        Assert.Equal((await CurationInputs.ReadAllAsync(one + "-out")).Select(s => s.Key).Order(), (await CurationInputs.ReadAllAsync(many + "-out")).Select(s => s.Key).Order());
        Assert.Equal(
            CurationInputs.ReadDropped(one + "-out", "dedup").Select(d => d.ToString()).Order(),
            CurationInputs.ReadDropped(many + "-out", "dedup").Select(d => d.ToString()).Order());

        // A rerun resumes every shard and writes nothing twice.
        var rerun = await new CurationJob(many, many + "-out", new CurationSettings { Threads = 2, Dedup = new DedupOptions { IndexRows = 3, PartitionRows = 4 } }, new CurationWorker(), parallel: 3).DedupAsync(CancellationToken.None);
        Assert.Equal(rerun.Shards, rerun.ShardsResumed);
        var after = await CurationInputs.ReadAllAsync(many + "-out");
        Assert.Equal(after.Count, after.Select(s => s.Key).Distinct().Count());
        Assert.Equal(spread.Kept, after.Count);

        // Other settings on the same output are refused rather than mixed in.
        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            new CurationJob(many, many + "-out", new CurationSettings { Dedup = new DedupOptions { MaxDistance = 4 } }, new CurationWorker(), parallel: 1).DedupAsync(CancellationToken.None));
        Assert.Contains("other settings", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Filter_normalizes_captions_and_logs_each_dropped_sample_with_its_reason()
    {
        using var folder = new TemporaryFolder("filter");
        var photo = SyntheticPhotos.Jpeg(1);
        var tiny = SyntheticPhotos.Jpeg(2, 40, 30);
        var wide = SyntheticPhotos.Jpeg(3, 400, 100);
        var input = Path.Combine(folder.Path, "in");
        await CurationInputs.WriteAsync(input,
        [
            CurationInputs.Sample("https://a.example/1.jpg", "  a  photo &amp;amp; its\tcaption ", photo),
            CurationInputs.Sample("https://a.example/2.jpg", "a tiny image here", tiny),
            CurationInputs.Sample("https://a.example/3.jpg", "a very wide banner", wide),
            CurationInputs.Sample("https://a.example/4.jpg", "ok", photo),
        ], perShard: 2);
        var output = Path.Combine(folder.Path, "out");

        var summary = await new CurationJob(input, output, new CurationSettings(), new CurationWorker(), parallel: 2).FilterAsync(CancellationToken.None);

        var kept = Assert.Single(await CurationInputs.ReadAllAsync(output));
        Assert.Equal("a photo &amp; its caption", kept.Caption);
        Assert.Equal(new Dictionary<string, long> { ["aspect_ratio"] = 1, ["caption_too_short"] = 1, ["image_too_small"] = 1 }, summary.Dropped);
        var reasons = CurationInputs.ReadDropped(output, "filter").ToDictionary(d => d.GetProperty("url").GetString()!, d => d.GetProperty("detail").GetString());
        Assert.Contains("40x30", reasons["https://a.example/2.jpg"], StringComparison.Ordinal);
        Assert.Contains("aspect ratio 4", reasons["https://a.example/3.jpg"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Overlap_reports_per_set_how_many_evaluation_images_the_data_set_copies_and_can_drop_them()
    {
        using var folder = new TemporaryFolder("overlap");
        var input = Path.Combine(folder.Path, "in");
        var photos = Enumerable.Range(1, 8).Select(s => SyntheticPhotos.Jpeg(s)).ToList();
        await CurationInputs.WriteAsync(input, photos.Select((p, i) => CurationInputs.Sample($"https://a.example/{i}.jpg", $"photo {i}", p)), perShard: 3);
        var evalA = Directory.CreateDirectory(Path.Combine(folder.Path, "eval-a")).FullName;
        var evalB = Directory.CreateDirectory(Path.Combine(folder.Path, "eval-b", "nested")).Parent!.FullName;
        await File.WriteAllBytesAsync(Path.Combine(evalA, "copy-of-3.jpg"), SyntheticPhotos.Reencode(photos[2], 70));
        await File.WriteAllBytesAsync(Path.Combine(evalA, "unrelated.jpg"), SyntheticPhotos.Jpeg(900));
        await File.WriteAllBytesAsync(Path.Combine(evalA, "README.txt"), "not an image"u8.ToArray());
        await File.WriteAllBytesAsync(Path.Combine(evalB, "nested", "copy-of-5.jpg"), SyntheticPhotos.Resize(photos[4], 100));
        await File.WriteAllBytesAsync(Path.Combine(evalB, "copy-of-6.jpg"), SyntheticPhotos.Resize(photos[5], 300));
        await File.WriteAllBytesAsync(Path.Combine(evalB, "unrelated.jpg"), SyntheticPhotos.Jpeg(901));
        await File.WriteAllBytesAsync(Path.Combine(evalB, "unrelated2.jpg"), SyntheticPhotos.Jpeg(902));
        var sets = new[] { EvaluationSet.Parse("a=" + evalA), EvaluationSet.Parse(evalB) };
        var output = Path.Combine(folder.Path, "out");

        var report = await new CurationJob(input, output, new CurationSettings { Overlap = new OverlapOptions { Drop = true } }, new CurationWorker(), parallel: 2).OverlapAsync(sets, CancellationToken.None);

        Assert.Equal([new OverlapSetResult("a", 2, 1, 50, 1), new OverlapSetResult("eval-b", 4, 2, 50, 2)], report.Sets);
        Assert.Contains(report.Problems, p => p.Contains("README.txt", StringComparison.Ordinal));
        Assert.Equal(5, (await CurationInputs.ReadAllAsync(output)).Count);
        Assert.Equal(3, report.Summary.Dropped["eval_overlap"]);
        using var saved = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(output, "overlap-report.json")));
        Assert.Equal(50, saved.RootElement.GetProperty("sets")[1].GetProperty("percent").GetDouble());
    }

    [Fact]
    public async Task A_corrupt_input_shard_is_reported_by_name_and_the_others_complete()
    {
        using var folder = new TemporaryFolder("corrupt");
        var input = Path.Combine(folder.Path, "in");
        var photos = Enumerable.Range(1, 6).Select(s => SyntheticPhotos.Jpeg(s)).ToList();
        await CurationInputs.WriteAsync(input, photos.Select((p, i) => CurationInputs.Sample($"https://a.example/{i}.jpg", $"photo {i}", p)), perShard: 3);
        var victim = Directory.EnumerateFiles(Path.Combine(input, "shards"), "*.parquet").Order().First();
        await using (var stream = File.OpenWrite(victim))
        {
            stream.Position = 100;
            stream.Write(new byte[64]);
        }

        var summary = await new CurationJob(input, Path.Combine(folder.Path, "out"), new CurationSettings(), new CurationWorker(), parallel: 1).FilterAsync(CancellationToken.None);

        var failure = Assert.Single(summary.Failures);
        Assert.Contains("in-00000", failure.Item, StringComparison.Ordinal);
        Assert.Equal(3, summary.Kept);
    }
}
