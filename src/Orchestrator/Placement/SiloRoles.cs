namespace Pipeline.Orchestrator.Placement;

/// <summary>The roles a silo carries, published as Orleans silo metadata so placement on other silos can see them.</summary>
/// <param name="Names">Lower-case role names, e.g. <c>gpu</c>.</param>
public sealed record SiloRoles(IReadOnlySet<string> Names)
{
    /// <summary>Silo metadata key holding the comma-separated role names.</summary>
    public const string MetadataKey = "pipeline-roles";

    /// <summary>Roles from user input: trimmed, lower-cased, de-duplicated; letters, digits, '-' and '_' only.</summary>
    public static SiloRoles From(IEnumerable<string> roles)
    {
        var names = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var raw in roles.SelectMany(r => r.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)))
        {
            if (!raw.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
            {
                throw new FormatException($"role '{raw}' may hold only letters, digits, '-' and '_'");
            }

            names.Add(raw.ToLowerInvariant());
        }

        return new SiloRoles(names);
    }

    /// <summary>Reads roles back from a silo's metadata value.</summary>
    public static SiloRoles FromMetadata(string? value) => From(value is null ? [] : [value]);

    /// <summary>The metadata value: role names joined by commas.</summary>
    public string ToMetadata() => string.Join(',', Names);

    public override string ToString() => Names.Count == 0 ? "(none)" : ToMetadata();
}
