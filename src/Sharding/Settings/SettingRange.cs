using System.Globalization;
using System.Numerics;

namespace Pipeline.Sharding.Settings;

/// <summary>
/// Range checks of setting values, shared by every stage library's options: a value out of range fails with a
/// message that names only that setting, its allowed range and the value (<c>Crawler:Images:Quality must be between
/// 1 and 100, got 0</c>), so a user knows which key or flag to fix. Lives here because every stage library references
/// this one.
/// </summary>
public static class SettingRange
{
    /// <summary>Refuses <paramref name="value"/> of setting <paramref name="name"/> below <paramref name="min"/> (and NaN or infinities).</summary>
    /// <exception cref="ArgumentOutOfRangeException">It is out of range; the message names the setting.</exception>
    public static void AtLeast<T>(string name, T value, T min)
        where T : struct, INumber<T> => Throw(Problem(name, value, min, null));

    /// <summary>Refuses <paramref name="value"/> of setting <paramref name="name"/> outside [<paramref name="min"/>, <paramref name="max"/>].</summary>
    /// <exception cref="ArgumentOutOfRangeException">It is out of range; the message names the setting.</exception>
    public static void Between<T>(string name, T value, T min, T max)
        where T : struct, INumber<T> => Throw(Problem(name, value, min, max));

    /// <summary>Refuses <paramref name="value"/> of setting <paramref name="name"/> at or below <paramref name="bound"/> (and NaN or infinities).</summary>
    /// <exception cref="ArgumentOutOfRangeException">It is out of range; the message names the setting.</exception>
    public static void Above<T>(string name, T value, T bound)
        where T : struct, INumber<T> => Throw(ProblemAbove(name, value, bound));

    /// <summary>The error for <paramref name="value"/> of <paramref name="name"/> when it is not above <paramref name="bound"/>, or null.</summary>
    public static string? ProblemAbove<T>(string name, T value, T bound)
        where T : struct, INumber<T> =>
        !T.IsFinite(value) ? $"{name} must be a finite number, got {Text(value)}"
        : value <= bound ? $"{name} must be above {Text(bound)}, got {Text(value)}"
        : null;

    /// <summary>Refuses a duration outside [<paramref name="min"/>, <paramref name="max"/>].</summary>
    /// <exception cref="ArgumentOutOfRangeException">It is out of range; the message names the setting.</exception>
    public static void Between(string name, TimeSpan value, TimeSpan min, TimeSpan max)
    {
        if (value < min || value > max)
        {
            Throw($"{name} must be between {min:c} and {max:c}, got {value:c}");
        }
    }

    /// <summary>The error for <paramref name="value"/> of <paramref name="name"/>, or null when it is in range; NaN and infinities are never in range.</summary>
    public static string? Problem<T>(string name, T value, T min, T? max)
        where T : struct, INumber<T> =>
        !T.IsFinite(value) ? $"{name} must be a finite number, got {Text(value)}"
        : value < min || (max is { } top && value > top) ? $"{name} must be {Range(min, max)}, got {Text(value)}"
        : null;

    /// <summary>"at least 1" or "between 1 and 100".</summary>
    public static string Range<T>(T min, T? max)
        where T : struct, INumber<T> => max is { } upper ? $"between {Text(min)} and {Text(upper)}" : $"at least {Text(min)}";

    /// <summary>An out-of-range error whose message is <paramref name="message"/> alone (no parameter name or value appended).</summary>
    public static ArgumentOutOfRangeException Error(string message) => new(paramName: null, message);

    private static void Throw(string? problem)
    {
        if (problem is not null)
        {
            throw Error(problem);
        }
    }

    private static string Text<T>(T value)
        where T : struct, INumber<T> => value.ToString(null, CultureInfo.InvariantCulture);
}
