namespace Pipeline.Curation.WordNet;

/// <summary>
/// Finds a WordNet dict folder: the configured one if given (and then only it), otherwise <c>$WNSEARCHDIR</c>,
/// then Debian's <c>wordnet-base</c> location.
/// </summary>
public static class WordNetLocator
{
    /// <summary>Where Debian's <c>wordnet-base</c> package installs the dict files.</summary>
    public const string DebianDirectory = "/usr/share/wordnet";

    /// <summary>Returns the first candidate folder that holds all four data files.</summary>
    /// <exception cref="WordNetNotFoundException">No candidate holds them; the message names each folder and what it lacks.</exception>
    public static WordNetFolder Locate(string? configuredDirectory = null)
    {
        var candidates = new List<string>();
        if (!string.IsNullOrWhiteSpace(configuredDirectory))
        {
            candidates.Add(configuredDirectory);
        }
        else
        {
            var fromEnvironment = Environment.GetEnvironmentVariable("WNSEARCHDIR");
            if (!string.IsNullOrWhiteSpace(fromEnvironment))
            {
                candidates.Add(fromEnvironment);
            }

            candidates.Add(DebianDirectory);
        }

        var reasons = new List<string>();
        foreach (var candidate in candidates)
        {
            var directory = Path.GetFullPath(candidate);
            if (!Directory.Exists(directory))
            {
                reasons.Add($"{directory}: no such folder");
                continue;
            }

            var missing = WordNetFolder.DataFiles.Where(f => !File.Exists(Path.Combine(directory, f))).ToList();
            if (missing.Count == 0)
            {
                return new WordNetFolder(directory);
            }

            reasons.Add($"{directory}: missing {string.Join(", ", missing)}");
        }

        throw new WordNetNotFoundException(
            $"WordNet dict folder not found ({string.Join("; ", reasons)}); install Debian's wordnet-base or pass a WordNet 3.x dict folder");
    }
}
