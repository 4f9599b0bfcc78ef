using System.CommandLine;
using Pipeline.Sharding.Settings;

namespace Pipeline.Orchestrator.Cli;

/// <summary>
/// The <c>pipeline</c> command line. Every failure a user can cause ends as one line on standard error,
/// <c>pipeline: error: ...</c>, and a non-zero exit code; stack traces appear only with <c>--verbose</c>.
/// </summary>
public sealed class PipelineCli(TextWriter output, TextWriter error)
{
    private readonly GlobalOptions _global = new();

    /// <summary>Parses <paramref name="args"/> and runs the chosen command.</summary>
    public async Task<int> InvokeAsync(string[] args, CancellationToken cancellationToken = default)
    {
        var parse = Parse(args);
        if (parse.Errors.Count > 0)
        {
            await error.WriteLineAsync($"pipeline: error: {parse.Errors[0].Message} (see 'pipeline --help')");
            return ExitCodes.Configuration;
        }

        // A silo leaving on SIGTERM hands its grains over; give it the time the host allows for that.
        var invocation = new InvocationConfiguration
        {
            Output = output,
            Error = error,
            EnableDefaultExceptionHandler = false,
            ProcessTerminationTimeout = TimeSpan.FromSeconds(30),
        };
        return await parse.InvokeAsync(invocation, cancellationToken);
    }

    /// <summary>Parses <paramref name="args"/> against every command without running anything.</summary>
    public ParseResult Parse(string[] args)
    {
        var root = new RootCommand("Build WIT-style image-text datasets and pretrain CLIP models on them, on one machine or an Orleans cluster.");
        _global.AddTo(root);
        root.Subcommands.Add(DoctorCommand.Create(this));
        root.Subcommands.Add(SiloCommand.Create(this));
        root.Subcommands.Add(ShardCommand.Create(this));
        root.Subcommands.Add(CurateCommand.Create(this));
        root.Subcommands.Add(TakedownCommand.Create(this));
        root.Subcommands.Add(CrawlCommand.Create(this));
        root.Subcommands.Add(QueriesCommand.Create(this));
        root.Subcommands.Add(TrainCommand.Create(this));
        root.Subcommands.Add(CampaignCommand.Create(this));
        root.Subcommands.Add(DemoCommand.Create(this));
        root.Subcommands.Add(DashboardCommand.Create(this));

        return root.Parse(args);
    }

    /// <summary>Builds configuration for a command and runs it, turning failures into one error line and an exit code.</summary>
    public async Task<int> RunAsync(
        ParseResult parse,
        IReadOnlyDictionary<string, string?> flagValues,
        Func<CommandContext, CancellationToken, Task<int>> action,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(parse);
        ArgumentNullException.ThrowIfNull(action);
        var verbose = parse.GetValue(_global.Verbose);
        try
        {
            var (configuration, options) = PipelineConfiguration.Build(parse, _global, flagValues);
            // On a terminal the command's progress is drawn live; its output and log lines are printed above the bars.
            await using var terminal = output == Console.Out ? TerminalProgress.StartIfWanted() : null;
            return await action(new CommandContext(parse, configuration, options, verbose, terminal?.Output ?? output), cancellationToken);
        }
        catch (Exception ex) when (cancellationToken.IsCancellationRequested && ex is OperationCanceledException or OrleansException)
        {
            await error.WriteLineAsync("pipeline: interrupted");
            return ExitCodes.Interrupted;
        }
        catch (Exception ex) when (FindConfigurationError(ex) is { } configurationError)
        {
            await ReportAsync(configurationError.Message, ex, verbose);
            return ExitCodes.Configuration;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            await ReportAsync(Describe(ex), ex, verbose);
            return ExitCodes.Failure;
        }
    }

    private async Task ReportAsync(string message, Exception ex, bool verbose)
    {
        await error.WriteLineAsync($"pipeline: error: {message.ReplaceLineEndings(" ")}");
        if (verbose)
        {
            await error.WriteLineAsync(ex.ToString());
        }
    }

    private static PipelineConfigurationException? FindConfigurationError(Exception? ex)
    {
        for (; ex is not null; ex = ex.InnerException)
        {
            if (ex is PipelineConfigurationException found)
            {
                return found;
            }
        }

        return null;
    }

    /// <summary>The root cause's message, without its .NET type name: hosts wrap errors several levels deep, and the message names what failed.</summary>
    private static string Describe(Exception ex)
    {
        var root = ex;
        while (root.InnerException is not null && root is AggregateException or TypeInitializationException or OrleansException)
        {
            root = root.InnerException;
        }

        // A bare socket error ("Connection refused") does not say it came from the network.
        return root is System.Net.Sockets.SocketException ? $"network: {root.Message}" : root.Message;
    }
}
