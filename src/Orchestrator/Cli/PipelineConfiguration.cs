using System.CommandLine;
using System.Globalization;
using Microsoft.Extensions.Configuration;
using Pipeline.Orchestrator.Hosting;
using Pipeline.Sharding.Settings;

namespace Pipeline.Orchestrator.Cli;

/// <summary>
/// Layers configuration, later wins: appsettings.json beside the program, the <c>--config</c> file,
/// <c>PIPELINE_</c>-prefixed environment variables (<c>PIPELINE_Pipeline__SiloPort=11112</c>), then flags.
/// </summary>
public static class PipelineConfiguration
{
    /// <summary>Prefix of environment variables read as configuration.</summary>
    public const string EnvironmentPrefix = "PIPELINE_";

    /// <summary>Builds the configuration and binds <see cref="PipelineOptions"/> from it, validating what it can up front.</summary>
    /// <exception cref="PipelineConfigurationException">A file is missing or malformed, or a value is out of range.</exception>
    public static (IConfiguration Configuration, PipelineOptions Options) Build(
        ParseResult parse, GlobalOptions global, IReadOnlyDictionary<string, string?> flagValues)
    {
        ArgumentNullException.ThrowIfNull(parse);
        ArgumentNullException.ThrowIfNull(global);
        var builder = new ConfigurationBuilder()
            .AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json"), optional: true);

        var file = parse.GetValue(global.ConfigFile);
        if (file is not null)
        {
            if (!file.Exists)
            {
                throw new PipelineConfigurationException($"configuration file '{file.FullName}' does not exist (--config)");
            }

            builder.AddJsonFile(file.FullName, optional: false);
        }

        builder.AddEnvironmentVariables(EnvironmentPrefix);
        // A flag that was not given must not override configuration with null.
        var flags = new Dictionary<string, string?>(flagValues.Where(f => f.Value is not null), StringComparer.OrdinalIgnoreCase);
        AddFlag(flags, "Pipeline:RunDirectory", parse.GetValue(global.RunDirectory));
        AddFlag(flags, "Pipeline:Cluster", parse.GetValue(global.Cluster));
        AddFlag(flags, "Pipeline:SiloPort", parse.GetValue(global.SiloPort)?.ToString(CultureInfo.InvariantCulture));
        AddFlag(flags, "Pipeline:GatewayPort", parse.GetValue(global.GatewayPort)?.ToString(CultureInfo.InvariantCulture));
        builder.AddInMemoryCollection(flags);

        IConfiguration configuration;
        var options = new PipelineOptions();
        try
        {
            configuration = builder.Build();
            configuration.GetSection(PipelineOptions.Section).Bind(options);
        }
        catch (InvalidDataException ex)
        {
            throw new PipelineConfigurationException($"configuration file is not valid JSON: {ex.Message}", ex);
        }
        catch (FormatException ex)
        {
            throw new PipelineConfigurationException($"configuration could not be read: {ex.Message}", ex);
        }
        catch (InvalidOperationException ex)
        {
            throw new PipelineConfigurationException($"configuration value has the wrong type: {ex.InnerException?.Message ?? ex.Message}", ex);
        }

        Validate(options);
        return (configuration, options);
    }

    private static void AddFlag(Dictionary<string, string?> flags, string key, string? value)
    {
        if (value is not null)
        {
            flags[key] = value;
        }
    }

    private static void Validate(PipelineOptions options)
    {
        CheckPort(SiloPorts.SiloSetting, options.SiloPort);
        CheckPort(SiloPorts.GatewaySetting, options.GatewayPort);
        if (string.IsNullOrWhiteSpace(options.ClusterId) || string.IsNullOrWhiteSpace(options.ServiceId))
        {
            throw new PipelineConfigurationException("Pipeline:ClusterId and Pipeline:ServiceId must not be empty");
        }
    }

    private static void CheckPort(string setting, int? port)
    {
        if (port is < 0 or > 65535)
        {
            throw new PipelineConfigurationException($"{setting} is {port}; a port is between 1 and 65535, or 0 for a free one");
        }
    }
}
