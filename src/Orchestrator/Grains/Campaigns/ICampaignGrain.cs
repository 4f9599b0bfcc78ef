using Orleans.Concurrency;
using Pipeline.Orchestrator.Campaigns;
using Pipeline.Sharding.Progress;

namespace Pipeline.Orchestrator.Grains.Campaigns;

/// <summary>
/// A campaign, keyed by its name: moves through the stages, keeps moving after silo restarts (a reminder wakes it),
/// and can be paused, resumed and cancelled. Its driver does the stage work off the grain scheduler.
/// </summary>
[Alias("pipeline.campaign")]
public interface ICampaignGrain : IGrainWithStringKey
{
    /// <summary>
    /// Starts the campaign once its output and store prove writable; starting it again with the same spec changes
    /// nothing (a paused or failed one is then resumed by the caller). Another spec under the name, or the same spec
    /// of a cancelled campaign, is refused with what to do instead (resume, cancel, <see cref="Replace"/>).
    /// </summary>
    [Alias("start")]
    Task<CampaignStatus> Start(CampaignSpec spec);

    /// <summary>
    /// Starts the campaign from its first stage with <paramref name="spec"/> in place of a cancelled, failed or
    /// completed run of the name, whose state, counters, training job and shard readings are forgotten (its files stay).
    /// A running or paused campaign is refused: cancel it first.
    /// </summary>
    [Alias("replace")]
    Task<CampaignStatus> Replace(CampaignSpec spec);

    /// <summary>Where the campaign stands (answered even while a pause waits for workers, which ask it).</summary>
    [Alias("status")]
    [AlwaysInterleave]
    Task<CampaignStatus> GetStatus();

    /// <summary>
    /// Pauses after interrupting the current stage (its committed work stays); during fetch, returns once every
    /// worker has finished or given back its chunk, so nothing is committed while paused.
    /// </summary>
    [Alias("pause")]
    Task<CampaignStatus> Pause();

    /// <summary>Resumes a paused or failed campaign at its current stage.</summary>
    [Alias("resume")]
    Task<CampaignStatus> Unpause();

    /// <summary>Stops the campaign for good, its fetch workers (as <see cref="Pause"/> does) and its training job.</summary>
    [Alias("cancel")]
    Task<CampaignStatus> Cancel();

    /// <summary>The spec, or null before the campaign starts.</summary>
    [Alias("get-spec")]
    [AlwaysInterleave]
    Task<CampaignSpec?> GetSpec();

    /// <summary>Driver: the current stage's latest progress.</summary>
    [Alias("report")]
    [AlwaysInterleave]
    Task Report(CampaignStage stage, StageProgress progress);

    /// <summary>Driver: the stage of run <paramref name="run"/> is done; the campaign moves to the next.</summary>
    [Alias("stage-done")]
    Task StageDone(int run, CampaignStage stage, string summary);

    /// <summary>Driver: the stage of run <paramref name="run"/> failed; the campaign stops as failed until resumed.</summary>
    [Alias("stage-failed")]
    Task StageFailed(int run, CampaignStage stage, string reason);
}
