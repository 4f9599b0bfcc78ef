using System.Text.Json;
using Pipeline.Curation.Queries;

namespace Pipeline.Orchestrator.Grains.Queries;

/// <summary>Thin: decodes the item, lets the curation library's worker do it off the grain scheduler, encodes the result.</summary>
public sealed class QueryWorkerGrain : Grain, IQueryWorkerGrain
{
    public async Task<string> Run(string workItemJson)
    {
        var item = JsonSerializer.Deserialize<QueryWorkItem>(workItemJson, QueryWorker.Json)
            ?? throw new ArgumentException("empty work item", nameof(workItemJson));
        var result = await Task.Run(() => new QueryWorker().RunAsync(item, CancellationToken.None));
        return JsonSerializer.Serialize(result, QueryWorker.Json);
    }
}
