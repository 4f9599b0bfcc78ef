using System.Net;
using System.Text;
using System.Text.RegularExpressions;

namespace Pipeline.Orchestrator.Demo;

/// <summary>
/// The demo's web, built from Debian's <c>openclipart-png</c> and <c>openclipart-svg</c>: a page per category with
/// figures whose alt text is the picture's title and keywords and whose caption is its description. Every fifth
/// picture is held out of the web and copied to a labelled folder for zero-shot evaluation.
/// </summary>
public sealed partial class ClipartSite
{
    /// <summary>Where Debian installs the clipart.</summary>
    public const string DefaultRoot = "/usr/share/openclipart";

    private readonly Dictionary<string, string> _pages = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _images = new(StringComparer.Ordinal);

    private ClipartSite()
    {
    }

    /// <summary>Pictures on the web.</summary>
    public IReadOnlyList<ClipartImage> Served { get; private set; } = [];

    /// <summary>Pictures held out for evaluation.</summary>
    public IReadOnlyList<ClipartImage> HeldOut { get; private set; } = [];

    /// <summary>Builds the site from the first <paramref name="perCategory"/> pictures (by path) of each category.</summary>
    /// <exception cref="DirectoryNotFoundException">The clipart packages are not installed.</exception>
    public static ClipartSite Build(string root, IReadOnlyList<ClipartCategory> categories, int perCategory)
    {
        ArgumentNullException.ThrowIfNull(categories);
        var png = Path.Combine(root, "png");
        if (!Directory.Exists(png))
        {
            throw new DirectoryNotFoundException($"{png} does not exist: install Debian's openclipart-png and openclipart-svg (infra/setup.sh does)");
        }

        var site = new ClipartSite();
        var served = new List<ClipartImage>();
        var held = new List<ClipartImage>();
        var index = new StringBuilder("<!doctype html><html><head><meta charset=\"utf-8\"><title>Open clip art</title></head><body><h1>Open clip art by category</h1><ul>");
        foreach (var category in categories)
        {
            var folder = Path.Combine(png, category.Folder);
            if (!Directory.Exists(folder))
            {
                throw new DirectoryNotFoundException($"{folder} does not exist: no openclipart category '{category.Folder}'");
            }

            var files = Directory.EnumerateFiles(folder, "*.png", SearchOption.AllDirectories).Order(StringComparer.Ordinal).Take(perCategory).ToList();
            var page = new StringBuilder($"<!doctype html><html><head><meta charset=\"utf-8\"><title>{category.Label} clip art</title></head><body><h1>{Html(category.Folder)}</h1>");
            for (var i = 0; i < files.Count; i++)
            {
                var image = Describe(root, files[i], category.Label, $"{category.Folder}-{i:D4}");
                if (i % 5 == 4)
                {
                    held.Add(image);
                    continue;
                }

                served.Add(image);
                site._images[image.Id] = image.PngPath;
                var alt = $"{image.Title}, {category.Label}{(image.Keywords.Count > 0 ? ", " + string.Join(", ", image.Keywords) : "")}";
                page.Append(CultureInfo(
                    $"<figure><img src=\"/img/{image.Id}.png\" alt=\"{Html(alt)}\" width=\"128\"><figcaption>{Html(image.Description.Length > 0 ? image.Description : image.Title)}: a {Html(category.Label)} drawing</figcaption></figure>"));
            }

            page.Append("<p><a href=\"/\">all categories</a></p></body></html>");
            site._pages[$"/c/{category.Folder}.html"] = page.ToString();
            index.Append(CultureInfo($"<li><a href=\"/c/{category.Folder}.html\">{Html(category.Folder)}</a></li>"));
        }

        site._pages["/"] = index.Append("</ul></body></html>").ToString();
        site.Served = served;
        site.HeldOut = held;
        return site;
    }

    /// <summary>The HTML of <paramref name="path"/>, or null.</summary>
    public string? Page(string path) => _pages.GetValueOrDefault(path);

    /// <summary>The PNG file behind <c>/img/ID.png</c>, or null.</summary>
    public string? ImageFile(string id) => _images.GetValueOrDefault(id);

    /// <summary>Copies the held-out pictures to <c>FOLDER/LABEL/ID.png</c>, the layout zero-shot evaluation reads.</summary>
    public void WriteEvaluationFolder(string folder)
    {
        foreach (var image in HeldOut)
        {
            var target = Path.Combine(folder, image.Label, image.Id + ".png");
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(image.PngPath, target, overwrite: true);
        }
    }

    private static ClipartImage Describe(string root, string png, string label, string id)
    {
        var relative = Path.GetRelativePath(Path.Combine(root, "png"), png);
        var svg = Path.Combine(root, "svg", Path.ChangeExtension(relative, ".svg"));
        var fallback = Path.GetFileNameWithoutExtension(png).Replace('_', ' ').Trim();
        if (!File.Exists(svg))
        {
            return new ClipartImage(id, png, label, fallback, string.Empty, []);
        }

        var text = File.ReadAllText(svg);
        var title = WebUtility.HtmlDecode(TitlePattern().Match(text).Groups[1].Value).Trim();
        var description = WebUtility.HtmlDecode(DescriptionPattern().Match(text).Groups[1].Value).Trim();
        var subject = SubjectPattern().Match(text).Groups[1].Value;
        var keywords = KeywordPattern().Matches(subject).Select(m => WebUtility.HtmlDecode(m.Groups[1].Value).Trim()).Where(k => k.Length > 0).Distinct().Take(8).ToList();
        return new ClipartImage(id, png, label, title.Length > 0 ? title : fallback, description.Length > 300 ? description[..300] : description, keywords);
    }

    private static string Html(string text) => WebUtility.HtmlEncode(text);

    private static string CultureInfo(FormattableString text) => FormattableString.Invariant(text);

    [GeneratedRegex("<dc:title>([^<]*)</dc:title>")]
    private static partial Regex TitlePattern();

    [GeneratedRegex("<dc:description>([^<]*)</dc:description>")]
    private static partial Regex DescriptionPattern();

    [GeneratedRegex("<dc:subject>(.*?)</dc:subject>", RegexOptions.Singleline)]
    private static partial Regex SubjectPattern();

    [GeneratedRegex("<rdf:li>([^<]*)</rdf:li>")]
    private static partial Regex KeywordPattern();
}
