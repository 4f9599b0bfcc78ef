using System.Net;
using System.Text;

namespace Pipeline.Sharding.Samples;

/// <summary>Cleans a text taken from HTML: entities left encoded twice are decoded, control characters dropped, white space collapsed, length bounded.</summary>
public static class CaptionText
{
    /// <summary>The cleaned text, or an empty string when nothing is left.</summary>
    public static string Clean(string? text, int maxLength)
    {
        if (string.IsNullOrEmpty(text))
        {
            return string.Empty;
        }

        // The parser decodes entities once; pages that encode twice leave "&amp;quot;" -> "&quot;" behind.
        if (text.Contains('&', StringComparison.Ordinal) && text.Contains(';', StringComparison.Ordinal))
        {
            text = WebUtility.HtmlDecode(text);
        }

        var builder = new StringBuilder(Math.Min(text.Length, maxLength + 1));
        var pendingSpace = false;
        foreach (var rune in text.EnumerateRunes())
        {
            if (Rune.IsWhiteSpace(rune) || rune.Value is '\u200b' or '\ufeff')
            {
                pendingSpace = builder.Length > 0;
                continue;
            }

            if (Rune.IsControl(rune) || rune == Rune.ReplacementChar)
            {
                continue;
            }

            if (pendingSpace)
            {
                builder.Append(' ');
                pendingSpace = false;
            }

            builder.Append(rune.ToString());
            if (builder.Length > maxLength)
            {
                break;
            }
        }

        return builder.Length <= maxLength ? builder.ToString() : Cut(builder.ToString(), maxLength);
    }

    private static string Cut(string text, int maxLength)
    {
        var end = maxLength;
        if (char.IsLowSurrogate(text[end]))
        {
            end--;
        }

        // Prefer the last space in the final fifth over cutting a word in half.
        var space = text.LastIndexOf(' ', end);
        return (space > maxLength * 4 / 5 ? text[..space] : text[..end]).TrimEnd();
    }
}
