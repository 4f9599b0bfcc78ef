using System.CommandLine;
using System.Globalization;
using Pipeline.Sharding.Settings;

namespace Pipeline.Orchestrator.Cli;

/// <summary>
/// A flag that overrides a configuration key. One list of these per command gives both the overrides of the flags
/// that were given and, for an error about a key, the flag to name beside it.
/// </summary>
/// <param name="Flag">The flag.</param>
/// <param name="Key">The configuration key it overrides, e.g. <c>Curation:Filters:MinSide</c>.</param>
/// <param name="Convert">Turns the flag's value into the configuration value; by default numbers in invariant culture, a given switch "true".</param>
public sealed record ConfigurationFlag(Option Flag, string Key, Func<object, string?>? Convert = null)
{
    /// <summary>The configuration values of the <paramref name="flags"/> given on the command line (flags left out are left out).</summary>
    public static Dictionary<string, string?> Overrides(ParseResult parse, IEnumerable<ConfigurationFlag> flags)
    {
        ArgumentNullException.ThrowIfNull(parse);
        ArgumentNullException.ThrowIfNull(flags);
        var overrides = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (var flag in flags)
        {
            if (parse.GetResult(flag.Flag) is { Implicit: false } given && given.GetValueOrDefault<object?>() is { } value)
            {
                overrides[flag.Key] = flag.Convert is { } convert ? convert(value) : value switch
                {
                    bool on => on ? "true" : null,
                    IFormattable number => number.ToString(null, CultureInfo.InvariantCulture),
                    _ => value.ToString(),
                };
            }
        }

        return overrides;
    }

    /// <summary>
    /// The configuration error for a failed settings check: a message that starts with one of the keys
    /// (<c>Curation:Filters:MinSide must be at least 0, got -1</c>) gets that key's flag after the key.
    /// </summary>
    public static PipelineConfigurationException Error(ArgumentException error, IEnumerable<ConfigurationFlag> flags)
    {
        ArgumentNullException.ThrowIfNull(error);
        ArgumentNullException.ThrowIfNull(flags);
        var message = error.Message;
        var named = flags.FirstOrDefault(f => message.StartsWith(f.Key + " ", StringComparison.Ordinal));
        return new PipelineConfigurationException(named is null ? message : $"{named.Key} ({named.Flag.Name}){message[named.Key.Length..]}", error);
    }
}
