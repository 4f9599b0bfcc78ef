using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Pipeline.Orchestrator.Telemetry;

/// <summary>Logs a silo's control-plane totals when it stops, one line a run (or the scale harness) can read.</summary>
public sealed partial class ControlPlaneLog(ControlPlaneCounters counters, ILogger<ControlPlaneLog> logger) : IHostedService
{
    /// <inheritdoc/>
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <inheritdoc/>
    public Task StopAsync(CancellationToken cancellationToken)
    {
        if (logger.IsEnabled(LogLevel.Information))
        {
            var totals = counters.Totals();
            var byInterface = string.Join(", ", totals.CallsByInterface.Select(c => $"{c.Key}={c.Value}"));
            Totals(logger, totals.GrainCalls, byInterface, totals.StorageReads, totals.StorageWrites, totals.StorageClears);
        }

        return Task.CompletedTask;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Control plane: {Calls} grain calls ({ByInterface}), {Reads} storage reads, {Writes} storage writes, {Clears} storage clears")]
    private static partial void Totals(ILogger logger, long calls, string byInterface, long reads, long writes, long clears);
}
