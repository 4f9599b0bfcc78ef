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

    /// <summary>Returns the spaced text, as MetaCLIP's <c>spacing</c> does.</summary>
    public static string Apply(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var spaced = new char[MaxLength(text.Length)];
        return new string(spaced, 0, Write(text, spaced, lowerCase: false));
    }

    /// <summary>The most characters the spaced form of a text of <paramref name="length"/> characters can have.</summary>
    public static int MaxLength(int length) => (length * 3) + 2;

    /// <summary>Writes the spaced text (lower-cased char by char if asked) into <paramref name="destination"/>, which holds at least <see cref="MaxLength"/>; returns its length.</summary>
    public static int Write(ReadOnlySpan<char> text, Span<char> destination, bool lowerCase)
    {
        var n = 0;
        destination[n++] = ' ';
        foreach (var c in text)
        {
            if (IsWrapped(c))
            {
                destination[n++] = ' ';
                destination[n++] = c;
                destination[n++] = ' ';
            }
            else
            {
                destination[n++] = IsSpaced(c) ? ' ' : lowerCase ? char.ToLowerInvariant(c) : c;
            }
        }

        destination[n++] = ' ';
        return n;
    }

    /// <summary>Whether <paramref name="c"/> is one of the punctuation characters that get a space on each side.</summary>
    public static bool IsWrapped(char c) => c is ',' or '.' or ';' or ':' or '?' or '!' or '`';

    /// <summary>Whether <paramref name="c"/> becomes a space (tab, newline, carriage return).</summary>
    public static bool IsSpaced(char c) => c is '\t' or '\n' or '\r';
}
