using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Numerics;

namespace Pipeline.Orchestrator.Cli;

/// <summary>
/// Range checks for numeric flags, run while parsing: a value out of range is a parse error that names the flag
/// and the allowed range (<c>pipeline: error: --samples must be at least 1, got 0</c>, exit 2).
/// </summary>
public static class OptionBounds
{
    /// <summary>Refuses values below <paramref name="min"/>.</summary>
    public static Option<T> AtLeast<T>(this Option<T> option, T min)
        where T : struct, INumber<T>
    {
        ArgumentNullException.ThrowIfNull(option);
        option.Validators.Add(Check(option.Name, min, (T?)null));
        return option;
    }

    /// <summary>Refuses values below <paramref name="min"/>; an absent flag is not checked.</summary>
    public static Option<T?> AtLeast<T>(this Option<T?> option, T min)
        where T : struct, INumber<T>
    {
        ArgumentNullException.ThrowIfNull(option);
        option.Validators.Add(Check(option.Name, min, (T?)null));
        return option;
    }

    /// <summary>Refuses values outside [<paramref name="min"/>, <paramref name="max"/>].</summary>
    public static Option<T> Between<T>(this Option<T> option, T min, T max)
        where T : struct, INumber<T>
    {
        ArgumentNullException.ThrowIfNull(option);
        option.Validators.Add(Check(option.Name, min, (T?)max));
        return option;
    }

    /// <summary>Refuses values outside [<paramref name="min"/>, <paramref name="max"/>]; an absent flag is not checked.</summary>
    public static Option<T?> Between<T>(this Option<T?> option, T min, T max)
        where T : struct, INumber<T>
    {
        ArgumentNullException.ThrowIfNull(option);
        option.Validators.Add(Check(option.Name, min, (T?)max));
        return option;
    }

    /// <summary>The error for <paramref name="value"/> of <paramref name="name"/> (a flag or a configuration key), or null when it is in range.</summary>
    public static string? Problem<T>(string name, T value, T min, T? max)
        where T : struct, INumber<T>
    {
        if (T.IsNaN(value) || value < min || (max is { } top && value > top))
        {
            var range = max is { } upper ? $"between {Text(min)} and {Text(upper)}" : $"at least {Text(min)}";
            return $"{name} must be {range}, got {Text(value)}";
        }

        return null;
    }

    private static Action<OptionResult> Check<T>(string flag, T min, T? max)
        where T : struct, INumber<T> => result =>
    {
        // Only a value the user gave, and only one that parses: the parser reports the rest itself.
        if (result.Tokens.Count > 0 && T.TryParse(result.Tokens[^1].Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
            && Problem(flag, value, min, max) is { } problem)
        {
            result.AddError(problem);
        }
    };

    private static string Text<T>(T value)
        where T : struct, INumber<T> => value.ToString(null, CultureInfo.InvariantCulture);
}
