using System.CommandLine;

namespace Pipeline.Orchestrator.Cli;

/// <summary>Options every <c>pipeline</c> command accepts; each maps onto a configuration key and overrides it.</summary>
public sealed class GlobalOptions
{
    public Option<string?> RunDirectory { get; } = new("--run-dir")
    {
        Description = "Folder for grain state and run outputs of the embedded default [config: Pipeline:RunDirectory, default runs/local]",
        Recursive = true,
    };

    public Option<string?> Cluster { get; } = new("--cluster")
    {
        Description = "Redis connection string of a distributed cluster, e.g. 10.0.0.5:6379; omit for the embedded one-process cluster [config: Pipeline:Cluster]",
        Recursive = true,
    };

    public Option<int?> SiloPort { get; } = new Option<int?>("--silo-port")
    {
        Description = "Port of the silo this process hosts, for silo-to-silo traffic; 0 for a free one [config: Pipeline:SiloPort; default: a free port for the embedded silo, 11111 for 'pipeline silo']",
        Recursive = true,
    }.Between(0, 65535);

    public Option<int?> GatewayPort { get; } = new Option<int?>("--gateway-port")
    {
        Description = "Port clients reach the silo this process hosts on; 0 for a free one [config: Pipeline:GatewayPort; default: a free port for the embedded silo, 30000 for 'pipeline silo']",
        Recursive = true,
    }.Between(0, 65535);

    public Option<FileInfo?> ConfigFile { get; } = new("--config")
    {
        Description = "JSON configuration file layered over appsettings.json and under PIPELINE_* environment variables",
        Recursive = true,
    };

    public Option<bool> Verbose { get; } = new("--verbose", "-v")
    {
        Description = "Log debug detail to standard error",
        Recursive = true,
    };

    /// <summary>Adds the options to the root command, from where they apply to every sub-command.</summary>
    public void AddTo(Command root)
    {
        ArgumentNullException.ThrowIfNull(root);
        root.Options.Add(RunDirectory);
        root.Options.Add(Cluster);
        root.Options.Add(SiloPort);
        root.Options.Add(GatewayPort);
        root.Options.Add(ConfigFile);
        root.Options.Add(Verbose);
    }
}
