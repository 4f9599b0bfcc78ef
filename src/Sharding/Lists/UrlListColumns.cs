namespace Pipeline.Sharding.Lists;

/// <summary>Which fields of a URL list hold what (section <c>Crawler:UrlList</c>); img2dataset's names by default.</summary>
public sealed record UrlListColumns
{
    /// <summary>The configuration section these options bind from.</summary>
    public const string Section = "Crawler:UrlList";

    /// <summary>The image URL field (required, except in .txt lists, which hold only URLs).</summary>
    public string Url { get; init; } = "url";

    /// <summary>The text field (optional).</summary>
    public string Caption { get; init; } = "caption";

    /// <summary>The page URL field (optional).</summary>
    public string PageUrl { get; init; } = "page_url";

    /// <summary>The key field (optional).</summary>
    public string Key { get; init; } = "key";
}
