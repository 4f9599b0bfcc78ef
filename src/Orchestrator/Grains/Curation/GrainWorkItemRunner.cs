using System.Text.Json;
using Pipeline.Curation.Jobs;

namespace Pipeline.Orchestrator.Grains.Curation;

/// <summary>Runs curation work items on the cluster: each item is a call to its own <see cref="ICurationWorkerGrain"/>.</summary>
public sealed class GrainWorkItemRunner(IGrainFactory grains) : IWorkItemRunner
{
    /// <inheritdoc/>
    public async Task<WorkItemResult> RunAsync(WorkItem item, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(item);
        var grain = grains.GetGrain<ICurationWorkerGrain>($"{item.OutputStore}|{item.Step}|{item.Part}");
        var json = await grain.Run(JsonSerializer.Serialize(item, StoreFile.Json)).WaitAsync(cancellationToken);
        return JsonSerializer.Deserialize<WorkItemResult>(json, StoreFile.Json) ?? throw new InvalidDataException($"{item.Describe()}: the worker returned no result");
    }
}
