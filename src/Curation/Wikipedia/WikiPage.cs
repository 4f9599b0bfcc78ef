namespace Pipeline.Curation.Wikipedia;

/// <summary>One <c>&lt;page&gt;</c> of a dump: its title, namespace, whether it redirects, and the latest revision's wiki text.</summary>
/// <param name="Title">The page title as in the dump, e.g. <c>Hot dog</c>.</param>
/// <param name="Namespace">The namespace number; articles are 0.</param>
/// <param name="IsRedirect">True when the page has a <c>&lt;redirect&gt;</c> element.</param>
/// <param name="Text">The revision's wiki text, XML entities decoded.</param>
public sealed record WikiPage(string Title, int Namespace, bool IsRedirect, string Text)
{
    /// <summary>A main-namespace page that is not a redirect.</summary>
    public bool IsArticle => Namespace == 0 && !IsRedirect;
}
