using System.CommandLine;
using Microsoft.Extensions.Configuration;
using Pipeline.Orchestrator.Hosting;
using Pipeline.Sharding.Settings;

namespace Pipeline.Orchestrator.Cli;

/// <summary>What every command action starts from: the parsed command line, the layered configuration and the bound options.</summary>
/// <param name="Parse">The parsed command line.</param>
/// <param name="Configuration">Configuration from files, environment and flags.</param>
/// <param name="Options">The pipeline options bound from <paramref name="Configuration"/>.</param>
/// <param name="Verbose">Whether <c>--verbose</c> was given.</param>
/// <param name="Output">Where results go (standard output); logs go to standard error.</param>
public sealed record CommandContext(ParseResult Parse, IConfiguration Configuration, PipelineOptions Options, bool Verbose, TextWriter Output)
{
    /// <summary>Binds an options class from <paramref name="section"/>; a value of the wrong type is a configuration error naming the section.</summary>
    public T Bind<T>(string section)
        where T : new()
    {
        try
        {
            return Configuration.GetSection(section).Get<T>() ?? new T();
        }
        catch (InvalidOperationException ex)
        {
            throw new PipelineConfigurationException($"{section}: {ex.Message}");
        }
    }
}
