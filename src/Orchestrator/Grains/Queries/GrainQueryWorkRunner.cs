using System.Text.Json;
using Pipeline.Curation.Queries;

namespace Pipeline.Orchestrator.Grains.Queries;

/// <summary>Runs query work items on the cluster: each item is a call to its own <see cref="IQueryWorkerGrain"/>.</summary>
public sealed class GrainQueryWorkRunner(IGrainFactory grains) : IQueryWorkRunner
{
    /// <inheritdoc/>
    public async Task<QueryWorkResult> RunAsync(QueryWorkItem item, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(item);
        var grain = grains.GetGrain<IQueryWorkerGrain>($"{item.WorkFolder}|{item.Describe()}");
        var json = await grain.Run(JsonSerializer.Serialize(item, QueryWorker.Json)).WaitAsync(cancellationToken);
        return JsonSerializer.Deserialize<QueryWorkResult>(json, QueryWorker.Json) ?? throw new InvalidDataException($"{item.Describe()}: the worker returned no result");
    }
}
