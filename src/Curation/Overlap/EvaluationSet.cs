namespace Pipeline.Curation.Overlap;

/// <summary>A named folder of evaluation images (searched recursively; files that do not decode are reported and skipped).</summary>
public sealed record EvaluationSet(string Name, string Folder)
{
    /// <summary>Parses <c>name=folder</c>, or a bare folder named after its last path segment.</summary>
    /// <exception cref="ArgumentException">The folder does not exist.</exception>
    public static EvaluationSet Parse(string text)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(text);
        var eq = text.IndexOf('=', StringComparison.Ordinal);
        var (name, folder) = eq > 0 ? (text[..eq], text[(eq + 1)..]) : (Path.GetFileName(Path.TrimEndingDirectorySeparator(text)), text);
        return Directory.Exists(folder) ? new EvaluationSet(name, folder) : throw new ArgumentException($"evaluation set '{name}': folder {folder} does not exist");
    }
}
