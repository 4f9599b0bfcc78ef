using System.Globalization;

namespace Pipeline.Orchestrator.Cli;

/// <summary>Turns an optional flag's value into the configuration value it overrides (null when the flag is absent).</summary>
public static class FlagValue
{
    /// <summary>The value in invariant culture, or null.</summary>
    public static string? Text<T>(T? value)
        where T : struct, IFormattable => value?.ToString(null, CultureInfo.InvariantCulture);
}
