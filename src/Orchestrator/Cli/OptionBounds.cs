using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Numerics;
using Pipeline.Sharding.Settings;

namespace Pipeline.Orchestrator.Cli;

/// <summary>
/// Parsing and range checks for numeric flags: the flag's own parser reads the value, so a value out of range
/// (<c>pipeline: error: --samples must be at least 1, got 0</c>) or not a number (<c>--samples: 'abc' is not a
/// whole number</c>) is a parse error that names the flag and no .NET type (exit 2).
/// </summary>
public static class OptionBounds
{
    /// <summary>Refuses values below <paramref name="min"/>.</summary>
    public static Option<T> AtLeast<T>(this Option<T> option, T min)
        where T : struct, INumber<T>, IMinMaxValue<T> => Bounded(option, min, null);

    /// <summary>Refuses values below <paramref name="min"/>; an absent flag is not checked.</summary>
    public static Option<T?> AtLeast<T>(this Option<T?> option, T min)
        where T : struct, INumber<T>, IMinMaxValue<T> => Bounded(option, min, null);

    /// <summary>Refuses values outside [<paramref name="min"/>, <paramref name="max"/>].</summary>
    public static Option<T> Between<T>(this Option<T> option, T min, T max)
        where T : struct, INumber<T>, IMinMaxValue<T> => Bounded(option, min, max);

    /// <summary>Refuses values outside [<paramref name="min"/>, <paramref name="max"/>]; an absent flag is not checked.</summary>
    public static Option<T?> Between<T>(this Option<T?> option, T min, T max)
        where T : struct, INumber<T>, IMinMaxValue<T> => Bounded(option, min, max);

    /// <summary>Refuses values at or below <paramref name="bound"/> (a rate that must be positive); an absent flag is not checked.</summary>
    public static Option<T?> Above<T>(this Option<T?> option, T bound)
        where T : struct, INumber<T>, IMinMaxValue<T>
    {
        ArgumentNullException.ThrowIfNull(option);
        option.CustomParser = Parser<T>(option.Name, value => SettingRange.ProblemAbove(option.Name, value, bound), $"above {bound.ToString(null, CultureInfo.InvariantCulture)}");
        return option;
    }

    /// <summary>Refuses durations shorter than <paramref name="min"/>, and text that is not a duration (<c>00:00:30</c>).</summary>
    public static Option<TimeSpan> AtLeast(this Option<TimeSpan> option, TimeSpan min)
    {
        ArgumentNullException.ThrowIfNull(option);
        option.CustomParser = result =>
        {
            var token = result.Tokens.Count > 0 ? result.Tokens[^1].Value : string.Empty;
            if (!TimeSpan.TryParse(token, CultureInfo.InvariantCulture, out var value))
            {
                result.AddError($"{option.Name}: '{token}' is not a duration such as 00:00:30");
            }
            else if (value < min)
            {
                result.AddError($"{option.Name} must be at least {min:c}, got {value:c}");
            }

            return value;
        };
        return option;
    }

    /// <summary>Any value of the type is allowed (a seed); only a non-number is refused, naming the flag.</summary>
    public static Option<T> Numeric<T>(this Option<T> option)
        where T : struct, INumber<T>, IMinMaxValue<T> => Bounded(option, T.MinValue, null);

    /// <summary>Any value of the type is allowed; only a non-number is refused, naming the flag; an absent flag is not checked.</summary>
    public static Option<T?> Numeric<T>(this Option<T?> option)
        where T : struct, INumber<T>, IMinMaxValue<T> => Bounded(option, T.MinValue, null);

    /// <summary>The error for <paramref name="value"/> of <paramref name="name"/> (a flag or a configuration key), or null when it is in range.</summary>
    public static string? Problem<T>(string name, T value, T min, T? max)
        where T : struct, INumber<T> => SettingRange.Problem(name, value, min, max);

    private static Option<T> Bounded<T>(Option<T> option, T min, T? max)
        where T : struct, INumber<T>, IMinMaxValue<T>
    {
        ArgumentNullException.ThrowIfNull(option);
        var parse = Parser<T>(option.Name, value => Problem(option.Name, value, min, max), SettingRange.Range(min, max ?? T.MaxValue));
        option.CustomParser = result => parse(result) ?? default;
        return option;
    }

    private static Option<T?> Bounded<T>(Option<T?> option, T min, T? max)
        where T : struct, INumber<T>, IMinMaxValue<T>
    {
        ArgumentNullException.ThrowIfNull(option);
        option.CustomParser = Parser<T>(option.Name, value => Problem(option.Name, value, min, max), SettingRange.Range(min, max ?? T.MaxValue));
        return option;
    }

    // Runs only for a value the user gave (a default never comes through here); an error it adds is the parse error.
    private static Func<ArgumentResult, T?> Parser<T>(string flag, Func<T, string?> check, string range)
        where T : struct, INumber<T>, IMinMaxValue<T> => result =>
    {
        var token = result.Tokens.Count > 0 ? result.Tokens[^1].Value : string.Empty;
        var whole = IsWhole<T>();
        if (T.TryParse(token, whole ? NumberStyles.Integer : NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
        {
            if (check(value) is { } problem)
            {
                result.AddError(problem);
                return null;
            }

            return value;
        }

        // A whole number too large or too small for the type is a range problem, not a spelling one.
        var tooBig = whole && double.TryParse(token, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) && double.IsInteger(number);
        result.AddError(tooBig
            ? $"{flag} must be {range}, got {token}"
            : $"{flag}: '{token}' is not {(whole ? "a whole number" : "a number")}");
        return null;
    };

    // Integer types truncate one half to zero; floating-point types keep it.
    private static bool IsWhole<T>()
        where T : struct, INumber<T> => T.IsZero(T.CreateTruncating(0.5));
}
