using System.CommandLine;
using Pipeline.Sharding.Samples;
using Pipeline.Sharding.Settings;
using Pipeline.Sharding.Writing;

namespace Pipeline.Orchestrator.Cli;

/// <summary>
/// The <c>--format parquet|webdataset</c> flag of commands that write shards; it overrides the configuration key
/// <c>Sharding:Writer:Format</c>, so a configuration file can make webdataset the default.
/// </summary>
public static class ShardFormatOption
{
    /// <summary>The configuration key the flag overrides.</summary>
    public const string Key = ShardWriterOptions.Section + ":" + nameof(ShardWriterOptions.Format);

    /// <summary>The flag, shared by every command that writes shards.</summary>
    public static readonly Option<string?> Flag = new("--format")
    {
        Description = $"Shard file format: parquet, or webdataset (tars of KEY.jpg, KEY.txt, KEY.json) [default: parquet]",
    };

    /// <summary>The flag's entry for <see cref="ConfigurationFlag.Overrides"/>.</summary>
    public static readonly ConfigurationFlag Override = new(Flag, Key);

    /// <summary>The configured format; Parquet when neither the flag nor the configuration says.</summary>
    /// <exception cref="PipelineConfigurationException">The value names no format.</exception>
    public static ShardFormat Resolve(CommandContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var value = context.Configuration[Key];
        try
        {
            return string.IsNullOrWhiteSpace(value) ? ShardFormat.Parquet : ShardFormats.Parse(value);
        }
        catch (FormatException ex)
        {
            throw new PipelineConfigurationException($"{Key} ({Flag.Name}): {ex.Message}", ex);
        }
    }
}
