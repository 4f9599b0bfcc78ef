using System.CommandLine;
using Pipeline.Orchestrator.Doctor;
using Pipeline.Orchestrator.Hosting;

namespace Pipeline.Orchestrator.Cli;

/// <summary><c>pipeline doctor</c>: checks the cluster, a stateful grain, TorchSharp, NetVips, WordNet and the run folder.</summary>
public static class DoctorCommand
{
    private static readonly Option<string?> WordNet = new("--wordnet")
    {
        Description = "WordNet 3.x dict folder [default: $WNSEARCHDIR, then /usr/share/wordnet]",
    };

    public static Command Create(PipelineCli cli)
    {
        ArgumentNullException.ThrowIfNull(cli);
        var command = new Command("doctor", "Check that this machine can run the pipeline; prints one line per check")
        {
            WordNet,
        };
        command.SetAction((parse, cancellationToken) => cli.RunAsync(parse, new Dictionary<string, string?>(), RunAsync, cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(CommandContext context, CancellationToken cancellationToken)
    {
        var options = context.Options;
        // The embedded silo serves grain state from the run folder, so it takes the folder's lock; a client does not.
        using var runFolder = RunFolder.Open(options.RunDirectory, exclusive: !options.IsDistributed);

        var doctor = new DoctorRunner(options, runFolder, context.Parse.GetValue(WordNet), context.Output);
        var checks = await doctor.RunAsync(ct => options.IsDistributed
            ? PipelineHosts.StartClientAsync(context.Configuration, options, context.Verbose, ct)
            : PipelineHosts.StartSiloAsync(context.Configuration, options, runFolder, context.Verbose, ct), cancellationToken);

        var failed = checks.Count(c => !c.Passed);
        await context.Output.WriteLineAsync(failed == 0
            ? $"doctor: all {checks.Count} checks passed"
            : $"doctor: {failed} of {checks.Count} checks failed");
        return failed == 0 ? ExitCodes.Success : ExitCodes.Failure;
    }
}
