using System.CommandLine;
using System.Globalization;
using Pipeline.Crawler.Fetching;
using Pipeline.Crawler.Images;
using Pipeline.Crawler.Network;
using Pipeline.Crawler.Sources;
using Pipeline.Curation.Matching;
using Pipeline.Orchestrator.Campaigns;
using Pipeline.Orchestrator.Demo;
using Pipeline.Orchestrator.Grains.Campaigns;
using Pipeline.Orchestrator.Grains.Training;
using Pipeline.Sharding.Settings;
using Pipeline.Trainer.Checkpoints;
using Pipeline.Trainer.Training;

namespace Pipeline.Orchestrator.Cli;

/// <summary><c>pipeline demo</c>: a whole campaign on a local clipart web, from WordNet queries to a trained tiny CLIP and its zero-shot accuracy.</summary>
public static class DemoCommand
{
    private static readonly Option<string> Output = new("--out") { Description = "The demo campaign's folder", DefaultValueFactory = _ => "runs/demo" };

    private static readonly Option<int> PerCategory = new Option<int>("--per-category") { Description = "Clipart pictures per category, at least 5 (every fifth is held out for evaluation)", DefaultValueFactory = _ => 250 }.AtLeast(5);

    private static readonly Option<int> Steps = new Option<int>("--steps") { Description = "Training steps of the tiny model", DefaultValueFactory = _ => 600 }.AtLeast(1);

    private static readonly Option<int> Port = new Option<int>("--port") { Description = "Port of the demo web on 127.0.0.1, 0 for any free one", DefaultValueFactory = _ => 18080 }.Between(0, 65535);

    private static readonly Option<int?> DashboardPort = new Option<int?>("--dashboard-port") { Description = "Port of the live dashboard on 127.0.0.1, 0 for any free one [config: Dashboard:Port; default: 18081]" }.Between(0, 65535);

    private static readonly Option<string> Clipart = new("--clipart") { Description = "Debian's openclipart folder", DefaultValueFactory = _ => ClipartSite.DefaultRoot };

    public static Command Create(PipelineCli cli)
    {
        ArgumentNullException.ThrowIfNull(cli);
        var demo = new Command("demo", "Run a demo campaign on a clipart web served on 127.0.0.1: WordNet queries, crawl, curation, shards, tiny CLIP, zero-shot accuracy")
        {
            Output, PerCategory, Steps, Port, DashboardPort, Clipart,
        };
        demo.SetAction((parse, ct) => cli.RunAsync(parse, ConfigurationFlag.Overrides(parse, [new(DashboardPort, DashboardCommand.PortKey)]), RunAsync, ct));
        return demo;
    }

    /// <summary>The demo's campaign spec for a site at <paramref name="site"/>.</summary>
    public static CampaignSpec Spec(Uri site, string output, int steps) => CampaignSpecFile.Checked(
        new CampaignSpec
        {
            Name = "demo",
            Seed = 0,
            Output = output,
            Sources = new CampaignSources { Seeds = [site.AbsoluteUri], Partitions = 2 },
            Crawl = new LiveCrawlOptions { MaxPages = 100, MaxDepth = 2, Concurrency = 4 },
            Fetcher = new FetcherOptions { RequestsPerSecondPerHost = 0 },
            Network = new NetworkSafetyOptions { AllowLoopback = true },
            Queries = new CampaignQueries { WordNet = true },
            Matching = new MatcherOptions { CaseInsensitive = true },
            Fetch = new CampaignFetch { Chunk = 200, Concurrency = 16 },
            Images = new ImageOptions { Size = 64, ResizeMode = ResizeMode.CenterCrop },
            Training = new CampaignTraining
            {
                Workers = 1,
                Trainer = new TrainingOptions
                {
                    Model = "tiny", Steps = steps, GlobalBatch = 64, LearningRate = 2e-3, WarmupSteps = Math.Min(50, steps / 10), CheckpointEvery = 50,
                    EvalEvery = 50, EvalFolder = Path.Combine(output, "eval"), TokenizerVocabulary = 4096,
                },
            },
        },
        "(demo)");

    private static async Task<int> RunAsync(CommandContext context, CancellationToken cancellationToken)
    {
        var parse = context.Parse;
        var output = Path.GetFullPath(parse.GetValue(Output)!);
        ClipartSite site;
        try
        {
            site = ClipartSite.Build(parse.GetValue(Clipart)!, ClipartCategory.Defaults, parse.GetValue(PerCategory));
        }
        catch (DirectoryNotFoundException ex)
        {
            throw new PipelineConfigurationException(ex.Message, ex);
        }

        site.WriteEvaluationFolder(Path.Combine(output, "eval"));
        await using var web = await StartWebAsync(site, parse.GetValue(Port), cancellationToken);
        await Console.Error.WriteLineAsync($"demo: clipart web of {site.Served.Count} pictures in {ClipartCategory.Defaults.Count} categories at {web.Address} ({site.HeldOut.Count} held out for evaluation)");
        var spec = Spec(web.Address, output, parse.GetValue(Steps));
        await using var session = await DashboardCommand.OpenSessionAsync(context, serve: true, cancellationToken);
        var code = await CampaignCommand.RunCampaignAsync(context, session, spec, follow: true, cancellationToken);
        var training = await session.Grains.GetGrain<ITrainingJobGrain>(spec.Name).GetStatus();
        var campaign = await session.Grains.GetGrain<ICampaignGrain>(spec.Name).GetStatus();
        foreach (var line in (await ReportAsync(campaign, training, spec.Training.Trainer.GlobalBatch, site, session.DashboardAddress, cancellationToken)).Lines())
        {
            await context.Output.WriteLineAsync(line);
        }

        if (training.Evaluations.Count > 0)
        {
            var last = training.Evaluations[^1];
            await context.Output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"demo: zero-shot top-1 {last.Value:P1}, top-5 {last.Extra:P1} on {site.HeldOut.Count} held-out clipart pictures of {ClipartCategory.Defaults.Count} categories (chance {1.0 / ClipartCategory.Defaults.Count:P1}) after {last.Step} steps"));
        }

        if (session.DashboardAddress is { } dashboard)
        {
            await context.Output.WriteLineAsync($"demo: the dashboard was live at {dashboard}; 'pipeline dashboard --run-dir {context.Options.RunDirectory}' serves it again for the finished campaign");
        }

        return code;
    }

    /// <summary>The demo's table: the campaign's stage results, the training job's evaluations and the best checkpoint the trainer kept.</summary>
    private static async Task<DemoReport> ReportAsync(CampaignStatus campaign, TrainingJobStatus training, int batch, ClipartSite site, Uri? dashboard, CancellationToken cancellationToken)
    {
        var stages = Enum.GetValues<CampaignStage>()
            .Where(stage => stage is not (CampaignStage.Train or CampaignStage.Done) && campaign.StageResults.ContainsKey(stage.ToString()))
            .Select(stage => KeyValuePair.Create(stage.ToString().ToLowerInvariant(), campaign.StageResults[stage.ToString()]))
            .ToList();
        string? best = null;
        int? bestStep = null;
        var bestFolder = Path.Combine(training.Output, CheckpointStore.BestFolder);
        if (training.Output.Length > 0 && new CheckpointStore(bestFolder).Latest() is { } path)
        {
            bestStep = (await CheckpointStore.ReadStateAsync(path, cancellationToken)).Step;
            var relative = Path.GetRelativePath(Environment.CurrentDirectory, path);
            best = relative.StartsWith("..", StringComparison.Ordinal) ? path : relative;
        }

        return new DemoReport(stages, training.Step, training.Steps, batch, training.Evaluations, bestStep, best,
            ClipartCategory.Defaults.Count, site.HeldOut.Count, dashboard);
    }

    private static async Task<DemoWebServer> StartWebAsync(ClipartSite site, int port, CancellationToken cancellationToken)
    {
        try
        {
            return await DemoWebServer.StartAsync(site, port, cancellationToken);
        }
        catch (IOException ex)
        {
            throw new PipelineConfigurationException($"the demo web cannot listen on 127.0.0.1:{port} (--port): {ex.Message}", ex);
        }
    }
}
