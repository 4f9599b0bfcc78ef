using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Pipeline.Orchestrator.Campaigns;
using Pipeline.Orchestrator.Grains.Campaigns;
using Pipeline.Orchestrator.Grains.Counters;
using Pipeline.Orchestrator.Grains.Training;
using Pipeline.Sharding.Settings;

namespace Pipeline.Orchestrator.Cli;

/// <summary><c>pipeline campaign start|status|pause|resume|cancel</c>.</summary>
public static class CampaignCommand
{
    private static readonly JsonSerializerOptions Json = new(CampaignSpecFile.Json) { UnmappedMemberHandling = System.Text.Json.Serialization.JsonUnmappedMemberHandling.Skip };

    private static readonly Argument<string> Spec = new("spec") { Description = "Campaign spec file (JSON; see README 'Campaigns')" };

    private static readonly Argument<string> Name = new("name") { Description = "The campaign's name (the spec's 'name')" };

    private static readonly Option<bool> AsJson = new("--json") { Description = "Print the status as JSON" };

    private static readonly Option<bool> Replace = new("--replace")
    {
        Description = "Start the spec in place of a cancelled, failed or completed campaign of the same name, from its first stage (its files stay; an output folder holding another spec's work is refused)",
    };

    private static readonly Option<bool> Detach = new("--detach") { Description = "With --cluster: return once started instead of following the campaign to its end" };

    public static Command Create(PipelineCli cli)
    {
        ArgumentNullException.ThrowIfNull(cli);
        var start = new Command("start", "Start a campaign from its spec and follow it to the end (the embedded default runs it in this process)") { Spec, Replace, AsJson, Detach, DashboardCommand.Serve };
        start.SetAction((parse, ct) => cli.RunAsync(parse, new Dictionary<string, string?>(), StartAsync, ct));
        var status = new Command("status", "Where a campaign stands: stage, progress, stage results, entry fill, training") { Name, AsJson };
        status.SetAction((parse, ct) => cli.RunAsync(parse, new Dictionary<string, string?>(), (c, t) => ActAsync(c, g => g.GetStatus(), follow: false, t), ct));
        var pause = new Command("pause", "Pause a campaign; its committed work stays") { Name, AsJson };
        pause.SetAction((parse, ct) => cli.RunAsync(parse, new Dictionary<string, string?>(), (c, t) => ActAsync(c, g => g.Pause(), follow: false, t), ct));
        var resume = new Command("resume", "Resume a paused or failed campaign at its current stage") { Name, AsJson, Detach, DashboardCommand.Serve };
        resume.SetAction((parse, ct) => cli.RunAsync(parse, new Dictionary<string, string?>(), (c, t) => ActAsync(c, g => g.Unpause(), follow: true, t), ct));
        var cancel = new Command("cancel", "Stop a campaign for good") { Name, AsJson };
        cancel.SetAction((parse, ct) => cli.RunAsync(parse, new Dictionary<string, string?>(), (c, t) => ActAsync(c, g => g.Cancel(), follow: false, t), ct));
        return new Command("campaign", "Campaigns: queries, crawl, curation, shards and training, run by the cluster") { start, status, pause, resume, cancel };
    }

    /// <summary>
    /// Starts <paramref name="spec"/> on <paramref name="session"/> (with <paramref name="replace"/>, in place of a finished
    /// campaign of its name) and, unless detached on a cluster, follows it to its end.
    /// </summary>
    public static async Task<int> RunCampaignAsync(CommandContext context, ClusterSession session, CampaignSpec spec, bool follow, CancellationToken cancellationToken, bool replace = false)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(spec);
        var campaign = session.Grains.GetGrain<ICampaignGrain>(spec.Name);
        CampaignStatus status;
        try
        {
            // The grain checks the output and store from its silo, which is where the stages will write.
            status = await (replace ? campaign.Replace(spec) : campaign.Start(spec));
        }
        catch (ArgumentException ex)
        {
            throw new PipelineConfigurationException(ex.Message, ex);
        }

        if (status.State is CampaignRunState.Paused or CampaignRunState.Failed)
        {
            status = await campaign.Unpause();
        }

        return follow ? await FollowAsync(context, session, campaign, cancellationToken) : await PrintAsync(context, session, status);
    }

    private static async Task<int> StartAsync(CommandContext context, CancellationToken cancellationToken)
    {
        var spec = await CampaignSpecFile.LoadAsync(context.Parse.GetValue(Spec)!, cancellationToken);
        await using var session = await OpenAsync(context, cancellationToken);
        return await RunCampaignAsync(context, session, spec, session.IsEmbedded || !context.Parse.GetValue(Detach), cancellationToken, context.Parse.GetValue(Replace));
    }

    // status, pause and cancel have no --dashboard flag; only start and resume may serve it.
    private static Task<ClusterSession> OpenAsync(CommandContext context, CancellationToken cancellationToken) =>
        DashboardCommand.OpenSessionAsync(context, context.Parse.GetResult(DashboardCommand.Serve) is not null && context.Parse.GetValue(DashboardCommand.Serve), cancellationToken);

    private static async Task<int> ActAsync(CommandContext context, Func<ICampaignGrain, Task<CampaignStatus>> act, bool follow, CancellationToken cancellationToken)
    {
        await using var session = await OpenAsync(context, cancellationToken);
        var campaign = session.Grains.GetGrain<ICampaignGrain>(context.Parse.GetValue(Name)!);
        var status = await act(campaign);
        if (status.State == CampaignRunState.None)
        {
            throw new PipelineConfigurationException($"no campaign named '{status.Name}'{(session.IsEmbedded ? $" in run folder {context.Options.RunDirectory}" : " on the cluster")}");
        }

        // An embedded campaign runs only while its process does: resuming one means hosting it to the end.
        return follow && (session.IsEmbedded || !context.Parse.GetValue(Detach))
            ? await FollowAsync(context, session, campaign, cancellationToken)
            : await PrintAsync(context, session, status);
    }

    private static async Task<int> FollowAsync(CommandContext context, ClusterSession session, ICampaignGrain campaign, CancellationToken cancellationToken)
    {
        string? last = null;
        while (true)
        {
            CampaignStatus status;
            try
            {
                status = await campaign.GetStatus();
            }
            catch (Exception ex) when (ex is OrleansException or TimeoutException)
            {
                // The silo holding the campaign died; the call after membership notices reactivates it elsewhere.
                await Console.Error.WriteLineAsync($"campaign: {ex.Message}; retrying");
                await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken);
                continue;
            }

            var line = $"campaign {status.Name}: {status.State.ToString().ToLowerInvariant()}, stage {status.Stage.ToString().ToLowerInvariant()}{(status.Progress is null ? "" : ": " + status.Progress)}";
            if (line != last)
            {
                await Console.Error.WriteLineAsync(line);
                last = line;
            }

            if (status.State is not CampaignRunState.Running)
            {
                return await PrintAsync(context, session, status);
            }

            try
            {
                await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken);
            }
            catch (OperationCanceledException) when (session.IsEmbedded)
            {
                // Ctrl+C on an embedded campaign pauses it, so 'campaign resume' picks up where it stopped.
                status = await campaign.Pause();
                await context.Output.WriteLineAsync($"campaign {status.Name}: paused at stage {status.Stage.ToString().ToLowerInvariant()}; 'pipeline campaign resume {status.Name}' continues");
                throw;
            }
        }
    }

    private static async Task<int> PrintAsync(CommandContext context, ClusterSession session, CampaignStatus status)
    {
        var fill = await session.Grains.GetGrain<IEntryCountersGrain>(status.Name).GetFill();
        var training = await session.Grains.GetGrain<ITrainingJobGrain>(status.Name).GetStatus();
        if (context.Parse.GetValue(AsJson))
        {
            await context.Output.WriteLineAsync(JsonSerializer.Serialize(new { campaign = status, entries = fill, training }, Json));
        }
        else
        {
            await context.Output.WriteLineAsync($"campaign {status.Name}: {status.State.ToString().ToLowerInvariant()} at stage {status.Stage.ToString().ToLowerInvariant()}, output {status.Output}, restarts {status.Restarts}");
            foreach (var stage in Enum.GetValues<CampaignStage>())
            {
                if (status.StageResults.TryGetValue(stage.ToString(), out var result))
                {
                    await context.Output.WriteLineAsync($"  {stage.ToString().ToLowerInvariant(),-8} {result}");
                }
            }

            if (status.Progress is not null)
            {
                await context.Output.WriteLineAsync($"  now      {status.Progress}");
            }

            await context.Output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"  entries  {fill.EntriesMatched:N0} of {fill.Entries:N0} matched, {fill.EntriesFetched:N0} {(fill.Final ? "in the final shards" : "with images")}, {fill.BelowTarget:N0} below target (t = {fill.Threshold:N0})"));
            foreach (var error in status.Errors.TakeLast(5))
            {
                await context.Output.WriteLineAsync($"  error    {error}");
            }
        }

        return status.State is CampaignRunState.Failed ? ExitCodes.Failure : ExitCodes.Success;
    }
}
