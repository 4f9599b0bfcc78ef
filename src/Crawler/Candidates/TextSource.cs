namespace Pipeline.Crawler.Candidates;

/// <summary>Where on the page a candidate's text came from.</summary>
public enum TextSource
{
    /// <summary>The image's <c>alt</c> attribute (what WIT and MetaCLIP use).</summary>
    Alt,

    /// <summary>The image's <c>title</c> attribute.</summary>
    Title,

    /// <summary>The <c>figcaption</c> of the figure the image is in.</summary>
    Figcaption,
}
