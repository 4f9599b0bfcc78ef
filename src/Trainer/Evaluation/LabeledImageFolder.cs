namespace Pipeline.Trainer.Evaluation;

/// <summary>
/// An evaluation set laid out as <c>ROOT/CLASS NAME/IMAGE</c> (ImageNet's folder layout): each sub-folder is a
/// class, named by the folder with '_' read as a space; its images are that class's examples.
/// </summary>
public sealed record LabeledImageFolder(IReadOnlyList<string> Classes, IReadOnlyList<(string Path, int Label)> Images)
{
    private static readonly HashSet<string> Extensions = new(StringComparer.OrdinalIgnoreCase) { ".jpg", ".jpeg", ".png", ".webp", ".gif", ".bmp", ".tif", ".tiff" };

    /// <summary>Lists <paramref name="root"/>.</summary>
    /// <exception cref="DirectoryNotFoundException">The folder is missing or has no class folders with images.</exception>
    public static LabeledImageFolder Open(string root)
    {
        if (!Directory.Exists(root))
        {
            throw new DirectoryNotFoundException($"{root}: no such evaluation folder");
        }

        var classes = new List<string>();
        var images = new List<(string, int)>();
        foreach (var folder in Directory.EnumerateDirectories(root).Order(StringComparer.Ordinal))
        {
            var files = Directory.EnumerateFiles(folder).Where(f => Extensions.Contains(Path.GetExtension(f))).Order(StringComparer.Ordinal).ToList();
            if (files.Count == 0)
            {
                continue;
            }

            images.AddRange(files.Select(f => (f, classes.Count)));
            classes.Add(Path.GetFileName(folder).Replace('_', ' '));
        }

        return classes.Count >= 2
            ? new LabeledImageFolder(classes, images)
            : throw new DirectoryNotFoundException($"{root}: an evaluation folder needs at least two class folders with images, found {classes.Count}");
    }
}
