using Pipeline.Curation.Tests;
using Pipeline.TestServices;

namespace Pipeline.Orchestrator.Tests;

public sealed class CurateStepCommandTests
{
    [Fact]
    public async Task Filter_dedup_and_overlap_run_from_the_command_line_and_chain()
    {
        using var folder = new TemporaryFolder("curate-steps");
        var (samples, drops) = CurationInputs.WithDuplicates();
        var input = Path.Combine(folder.Path, "fetched");
        await CurationInputs.WriteAsync(input, samples, perShard: 6);
        var eval = Directory.CreateDirectory(Path.Combine(folder.Path, "eval")).FullName;
        await File.WriteAllBytesAsync(Path.Combine(eval, "copy.jpg"), SyntheticPhotos.Reencode(samples[9].Image, 60));
        await File.WriteAllBytesAsync(Path.Combine(eval, "other.jpg"), SyntheticPhotos.Jpeg(777));

        var filter = await PipelineExecutable.RunAsync(["curate", "filter", input, "--out", folder.Path + "/filtered", "--min-caption-words", "4"]);
        Assert.True(filter.ExitCode == 0, string.Join('\n', filter.Stdout.Concat(filter.Stderr)));
        Assert.Contains(filter.Stdout, l => l.StartsWith("filter: ", StringComparison.Ordinal) && l.Contains("too_few_words", StringComparison.Ordinal));

        var dedup = await PipelineExecutable.RunAsync(["curate", "dedup", folder.Path + "/filtered", "--out", folder.Path + "/deduped", "--parallel", "3"]);
        Assert.True(dedup.ExitCode == 0, string.Join('\n', dedup.Stdout.Concat(dedup.Stderr)));
        Assert.Contains(dedup.Stdout, l => l.StartsWith("dedup: ", StringComparison.Ordinal) && l.Contains("near_duplicate", StringComparison.Ordinal));
        Assert.Contains(dedup.Stderr, l => l.Contains("distinct perceptual hashes", StringComparison.Ordinal));

        var overlap = await PipelineExecutable.RunAsync(["curate", "overlap", folder.Path + "/deduped", "--out", folder.Path + "/clean", "--eval", "demo=" + eval, "--drop"]);
        Assert.True(overlap.ExitCode == 0, string.Join('\n', overlap.Stdout.Concat(overlap.Stderr)));
        Assert.Contains("  demo: 1 of 2 images (50%) have a near duplicate in the data set (1 samples)", overlap.Stdout);
        var clean = await CurationInputs.ReadAllAsync(folder.Path + "/clean");
        Assert.DoesNotContain(clean, s => s.Url == samples[9].Url);
        Assert.True(clean.Count > 0);
    }

    [Fact]
    public async Task Webdataset_format_makes_filter_and_dedup_write_tars_with_the_samples_of_the_parquet_run()
    {
        using var folder = new TemporaryFolder("curate-wds");
        var (samples, _) = CurationInputs.WithDuplicates();
        var input = Path.Combine(folder.Path, "fetched");
        await CurationInputs.WriteAsync(input, samples, perShard: 6);
        foreach (var format in new[] { "parquet", "webdataset" })
        {
            var filter = await PipelineExecutable.RunAsync(["curate", "filter", input, "--out", $"{folder.Path}/filtered-{format}", "--min-caption-words", "4", "--format", format]);
            Assert.True(filter.ExitCode == 0, string.Join('\n', filter.Stdout.Concat(filter.Stderr)));
            var dedup = await PipelineExecutable.RunAsync(["curate", "dedup", $"{folder.Path}/filtered-{format}", "--out", $"{folder.Path}/deduped-{format}", "--format", format]);
            Assert.True(dedup.ExitCode == 0, string.Join('\n', dedup.Stdout.Concat(dedup.Stderr)));
        }

        var tars = await new Sharding.Manifest.ManifestStore(new Sharding.Storage.LocalFolderStore($"{folder.Path}/deduped-webdataset")).LoadAsync(CancellationToken.None);
        Assert.NotEmpty(tars.Shards);
        Assert.All(tars.Shards, s => Assert.Equal(Sharding.Samples.ShardFormat.Webdataset, s.Format));
        var fromParquet = await CurationInputs.ReadAllAsync($"{folder.Path}/deduped-parquet");
        var fromTars = await CurationInputs.ReadAllAsync($"{folder.Path}/deduped-webdataset");
        Assert.Equal(
            fromParquet.Select(s => (s.Key, s.Caption, s.Sha256, s.PerceptualHash)).Order(),
            fromTars.Select(s => (s.Key, s.Caption, s.Sha256, s.PerceptualHash)).Order());
    }

    [Fact]
    public async Task A_missing_evaluation_folder_and_bad_thresholds_are_configuration_errors()
    {
        using var folder = new TemporaryFolder("curate-errors");
        await CurationInputs.WriteAsync(folder.Path + "/in", [CurationInputs.Sample("https://a.example/1.jpg", "a photo", SyntheticPhotos.Jpeg(1))], perShard: 5);

        var missing = await PipelineExecutable.RunAsync(["curate", "overlap", folder.Path + "/in", "--out", folder.Path + "/out", "--eval", "x=/nonexistent/eval"]);
        Assert.Equal(2, missing.ExitCode);
        Assert.Contains(missing.Stderr, l => l.Contains("/nonexistent/eval does not exist", StringComparison.Ordinal));

        var bad = await PipelineExecutable.RunAsync(["curate", "filter", folder.Path + "/in", "--out", folder.Path + "/out", "--min-caption-words", "9", "--max-caption-words", "3"]);
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains(bad.Stderr, l => l.Contains("MinCaptionWords", StringComparison.Ordinal));
    }
}
