using System.CommandLine;
using Pipeline.Curation.Filtering;
using Pipeline.Curation.Jobs;
using Pipeline.Curation.Overlap;
using Pipeline.Orchestrator.Grains.Curation;
using Pipeline.Sharding.Settings;
using Pipeline.Sharding.Storage;

namespace Pipeline.Orchestrator.Cli;

/// <summary>
/// <c>pipeline curate filter|dedup|overlap</c>: shard store to shard store. Work items run in this process, or,
/// with <c>--cluster</c>, on the cluster's silos (each item a grain call); either way the output is the same.
/// </summary>
public static class CurateStepCommands
{
    private static readonly Argument<string> Input = new("input") { Description = "Input shard store: a folder, azure://container/prefix, or a container URL" };

    private static readonly Option<string> Output = new("--out") { Description = "Output shard store: kept samples, {step}/dropped/*.jsonl.gz, {step}-summary.json; rerunning resumes", Required = true };

    private static readonly Option<int> Parallel = new Option<int>("--parallel") { Description = "Work items in flight (a cluster's silos share them)", DefaultValueFactory = _ => 2 }.AtLeast(1);

    private static readonly Option<int?> Threads = new Option<int?>("--threads") { Description = "Threads each work item decodes and hashes with [default: this machine's cores]" }.AtLeast(1);

    private static readonly Option<int?> MinSide = new Option<int?>("--min-side") { Description = "Smallest shorter side of the original image [default: 64]" }.AtLeast(0);

    private static readonly Option<double?> MaxAspectRatio = new Option<double?>("--max-aspect-ratio") { Description = "Largest longer/shorter side ratio (at least 1), 0 for none [default: 3]" }.AtLeast(0.0);

    private static readonly Option<int?> MinCaptionChars = new Option<int?>("--min-caption-chars") { Description = "Fewest caption characters after normalization [default: 5]" }.AtLeast(0);

    private static readonly Option<int?> MaxCaptionChars = new Option<int?>("--max-caption-chars") { Description = "Most caption characters, 0 for none [default: 1000]" }.AtLeast(0);

    private static readonly Option<int?> MinCaptionWords = new Option<int?>("--min-caption-words") { Description = "Fewest caption words [default: 1]" }.AtLeast(0);

    private static readonly Option<int?> MaxCaptionWords = new Option<int?>("--max-caption-words") { Description = "Most caption words, 0 for none [default: 200]" }.AtLeast(0);

    private static readonly Option<long?> MinImageBytes = new Option<long?>("--min-image-bytes") { Description = "Fewest bytes of the stored image [default: 500]" }.AtLeast(0L);

    private static readonly Option<long?> MaxImageBytes = new Option<long?>("--max-image-bytes") { Description = "Most bytes of the stored image, 0 for none [default: 10 MiB]" }.AtLeast(0L);

    private static readonly Option<int?> DedupDistance = new Option<int?>("--distance", "-k") { Description = "Largest Hamming distance of 64-bit perceptual hashes that counts as the same image, 0 to 32 [default: 8]" }.Between(0, 32);

    private static readonly Option<bool> NoNear = new("--no-near-duplicates") { Description = "Only the exact steps (URL + caption, bytes + caption)" };

    private static readonly Option<long?> IndexRows = new Option<long?>("--index-rows") { Description = "Most distinct hashes one near-pair search work item indexes, about 12 bytes each [default: 1000000]" }.AtLeast(1L);

    private static readonly Option<string[]> Eval = new("--eval") { Description = "An evaluation set: NAME=FOLDER or FOLDER (images searched recursively); repeat per set", Required = true, Arity = ArgumentArity.OneOrMore };

    private static readonly Option<int?> OverlapDistance = new Option<int?>("--distance", "-k") { Description = "Largest Hamming distance at which a sample copies an evaluation image, 0 to 32 [default: 8]" }.Between(0, 32);

    private static readonly Option<bool> Drop = new("--drop") { Description = "Write the data set without the samples that copy an evaluation image" };

    private static readonly ConfigurationFlag[] FilterFlags =
    [
        new(MinSide, SampleFilterOptions.Key(nameof(SampleFilterOptions.MinSide))),
        new(MaxAspectRatio, SampleFilterOptions.Key(nameof(SampleFilterOptions.MaxAspectRatio))),
        new(MinCaptionChars, SampleFilterOptions.Key(nameof(SampleFilterOptions.MinCaptionChars))),
        new(MaxCaptionChars, SampleFilterOptions.Key(nameof(SampleFilterOptions.MaxCaptionChars))),
        new(MinCaptionWords, SampleFilterOptions.Key(nameof(SampleFilterOptions.MinCaptionWords))),
        new(MaxCaptionWords, SampleFilterOptions.Key(nameof(SampleFilterOptions.MaxCaptionWords))),
        new(MinImageBytes, SampleFilterOptions.Key(nameof(SampleFilterOptions.MinImageBytes))),
        new(MaxImageBytes, SampleFilterOptions.Key(nameof(SampleFilterOptions.MaxImageBytes))),
        ShardFormatOption.Override,
    ];

    private static readonly ConfigurationFlag[] DedupFlags =
    [
        new(DedupDistance, DedupOptions.Key(nameof(DedupOptions.MaxDistance))),
        new(NoNear, DedupOptions.Key(nameof(DedupOptions.NearDuplicates)), _ => "false"),
        new(IndexRows, DedupOptions.Key(nameof(DedupOptions.IndexRows))),
        ShardFormatOption.Override,
    ];

    private static readonly ConfigurationFlag[] OverlapFlags =
    [
        new(OverlapDistance, OverlapOptions.Key(nameof(OverlapOptions.MaxDistance))),
        new(Drop, OverlapOptions.Key(nameof(OverlapOptions.Drop))),
        ShardFormatOption.Override,
    ];

    /// <summary>The three subcommands.</summary>
    public static IEnumerable<Command> Create(PipelineCli cli)
    {
        ArgumentNullException.ThrowIfNull(cli);
        var filter = new Command("filter", "Normalize captions (NFC, entities, white space) and drop samples by size, aspect ratio, caption length and file size, logging each reason")
        {
            Input, Output, Parallel, Threads, ShardFormatOption.Flag, MinSide, MaxAspectRatio, MinCaptionChars, MaxCaptionChars, MinCaptionWords, MaxCaptionWords, MinImageBytes, MaxImageBytes,
        };
        filter.SetAction((parse, ct) => cli.RunAsync(parse, ConfigurationFlag.Overrides(parse, FilterFlags), (context, token) => RunAsync(context, FilterFlags, job => job.FilterAsync(token), token), ct));

        var dedup = new Command("dedup", "Drop exact duplicates (canonical URL + caption, image SHA-256 + caption) and near-duplicate images (perceptual hash within k), keeping one by a fixed rule")
        {
            Input, Output, Parallel, Threads, ShardFormatOption.Flag, DedupDistance, NoNear, IndexRows,
        };
        dedup.SetAction((parse, ct) => cli.RunAsync(parse, ConfigurationFlag.Overrides(parse, DedupFlags), (context, token) => RunAsync(context, DedupFlags, job => job.DedupAsync(token), token), ct));

        var overlap = new Command("overlap", "Report per evaluation set how many of its images have a near duplicate in the data set; --drop removes those samples")
        {
            Input, Output, Parallel, Threads, ShardFormatOption.Flag, Eval, OverlapDistance, Drop,
        };
        overlap.SetAction((parse, ct) => cli.RunAsync(parse, ConfigurationFlag.Overrides(parse, OverlapFlags), (context, token) => RunAsync(context, OverlapFlags, async job =>
        {
            var sets = ParseSets(context.Parse.GetValue(Eval)!);
            var report = await job.OverlapAsync(sets, token);
            foreach (var set in report.Sets)
            {
                await context.Output.WriteLineAsync($"  {set.Name}: {set.ImagesWithDuplicate:N0} of {set.Images:N0} images ({set.Percent:0.##}%) have a near duplicate in the data set ({set.Samples:N0} samples)");
            }

            foreach (var problem in report.Problems.Take(5))
            {
                await context.Output.WriteLineAsync($"  skipped {problem}");
            }

            return report.Summary;
        }, token), ct));
        return [filter, dedup, overlap];
    }

    private static async Task<int> RunAsync(CommandContext context, ConfigurationFlag[] flags, Func<CurationJob, Task<StepSummary>> step, CancellationToken cancellationToken)
    {
        var settings = new CurationSettings
        {
            Filters = context.Bind<SampleFilterOptions>(SampleFilterOptions.Section),
            Dedup = context.Bind<DedupOptions>(DedupOptions.Section),
            Overlap = context.Bind<OverlapOptions>(OverlapOptions.Section),
            Threads = context.Parse.GetValue(Threads) ?? Environment.ProcessorCount,
            Format = ShardFormatOption.Resolve(context),
        };
        try
        {
            settings.Validate();
        }
        catch (ArgumentException ex)
        {
            throw ConfigurationFlag.Error(ex, flags);
        }

        var storeOptions = context.Bind<ShardStoreOptions>(ShardStoreOptions.Section);
        var input = context.Parse.GetValue(Input)!;
        var output = context.Parse.GetValue(Output)!;
        await using var workers = await ClusterWorkers.ConnectAsync(context, cancellationToken);
        IWorkItemRunner runner = workers.Grains is { } grains ? new GrainWorkItemRunner(grains) : new CurationWorker(storeOptions);
        CurationJob job;
        try
        {
            job = new CurationJob(input, output, settings, runner, context.Parse.GetValue(Parallel), storeOptions) { Progress = ConsoleProgress.Instance };
        }
        catch (ArgumentException ex)
        {
            throw new PipelineConfigurationException(ex.Message, ex);
        }

        var summary = await step(job);
        await context.Output.WriteLineAsync(summary.Describe() + (workers.Grains is null ? "" : " on the cluster"));
        foreach (var failure in summary.Failures.Take(10))
        {
            await context.Output.WriteLineAsync($"  failed {failure.Item}: {failure.Reason}");
        }

        return summary.Failures.Count == 0 ? ExitCodes.Success : ExitCodes.Failure;
    }

    private static List<EvaluationSet> ParseSets(string[] values)
    {
        try
        {
            return [.. values.Select(EvaluationSet.Parse)];
        }
        catch (ArgumentException ex)
        {
            throw new PipelineConfigurationException(ex.Message, ex);
        }
    }

}
