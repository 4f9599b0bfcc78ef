using Microsoft.Extensions.Hosting;

namespace Pipeline.Orchestrator.Hosting;

/// <summary>
/// A host lifetime that installs no signal handlers. The command line owns Ctrl+C and SIGTERM: System.CommandLine
/// cancels the command's token and the command stops its host. Two owners would race (the default console
/// lifetime also stops the host on SIGTERM) and turn a clean stop into an unhandled exception.
/// </summary>
internal sealed class CommandLineHostLifetime : IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
