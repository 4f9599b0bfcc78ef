namespace Pipeline.Curation.Matching;

/// <summary>
/// MetaCLIP's text spacing, the normalisation every caption gets before matching: the text is wrapped in one
/// space on each side; each of <c>, . ; : ? ! `</c> gets a space on each side; tab, newline and carriage return
/// become spaces. Nothing else changes: no case folding (unless the matcher is case-insensitive), no Unicode
/// normalisation, no collapsing of repeated spaces. An entry matches where <c>" " + entry + " "</c> occurs in the
/// spaced text, so matches fall on whole words and punctuation ends a word.
/// </summary>
public static class CaptionSpacing
{
    /// <summary>The characters that get a space on each side.</summary>
    public const string WrappedPunctuation = ",.;:?!`";

    /// <summary>Returns the spaced text, as MetaCLIP's <c>spacing</c> does (the matcher applies it on the fly without allocating).</summary>
    public static string Apply(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var builder = new System.Text.StringBuilder(text.Length + 8);
        builder.Append(' ');
        foreach (var c in text)
        {
            if (IsWrapped(c))
            {
                builder.Append(' ').Append(c).Append(' ');
            }
            else
            {
                builder.Append(IsSpaced(c) ? ' ' : c);
            }
        }

        return builder.Append(' ').ToString();
    }

    /// <summary>Whether <paramref name="c"/> is one of the punctuation characters that get a space on each side.</summary>
    public static bool IsWrapped(char c) => c is ',' or '.' or ';' or ':' or '?' or '!' or '`';

    /// <summary>Whether <paramref name="c"/> becomes a space (tab, newline, carriage return).</summary>
    public static bool IsSpaced(char c) => c is '\t' or '\n' or '\r';
}
