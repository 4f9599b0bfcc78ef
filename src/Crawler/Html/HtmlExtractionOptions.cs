using Pipeline.Crawler.Robots;

namespace Pipeline.Crawler.Html;

/// <summary>What the HTML extractor keeps (section <c>Crawler:Html</c>).</summary>
public sealed record HtmlExtractionOptions
{
    /// <summary>The configuration section these options bind from.</summary>
    public const string Section = "Crawler:Html";

    /// <summary>Texts are cut to this many characters, at a word boundary where one is near.</summary>
    public int MaxTextLength { get; set; } = 1000;

    /// <summary>Also emit the <c>title</c> attribute as a text.</summary>
    public bool UseTitle { get; set; } = true;

    /// <summary>Also emit the enclosing figure's <c>figcaption</c> as a text.</summary>
    public bool UseFigcaption { get; set; } = true;

    /// <summary>The product token whose <c>&lt;meta name="..."&gt;</c> robots directives bind us, besides <c>robots</c>.</summary>
    public string ProductToken { get; set; } = "PipelineBot";

    /// <summary>The opt-out signals of pages honoured (meta robots directives, meta <c>tdm-reservation</c>); all but <c>noindex</c> by default.</summary>
    public ConsentSignals Consent { get; set; } = new();
}
