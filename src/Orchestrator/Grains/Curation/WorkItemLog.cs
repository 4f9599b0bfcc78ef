using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace Pipeline.Orchestrator.Grains.Curation;

/// <summary>One log line per work item a worker grain ran, naming the silo, so a cluster run shows how its work spread.</summary>
public static partial class WorkItemLog
{
    /// <summary>Runs <paramref name="work"/> off the grain scheduler and logs the item, the silo and the time it took.</summary>
    public static async Task<T> RunAsync<T>(ILogger logger, string silo, string item, Func<Task<T>> work, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(work);
        var clock = Stopwatch.StartNew();
        var result = await Task.Run(work, cancellationToken);
        Done(logger, item, silo, clock.Elapsed.TotalSeconds);
        return result;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Work item {Item} done on silo {Silo} in {Seconds:0.0} s")]
    private static partial void Done(ILogger logger, string item, string silo, double seconds);
}
