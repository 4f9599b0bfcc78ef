using System.Text.RegularExpressions;

namespace Pipeline.Trainer.Tokenization;

/// <summary>
/// CLIP's pre-tokenization: special tokens, English contractions, runs of letters, single digits and runs of
/// other non-space characters; white space separates and is dropped. Text is lower-cased first.
/// </summary>
public static partial class ClipPreTokenizer
{
    /// <summary>CLIP's pattern, with its IGNORECASE flag.</summary>
    [GeneratedRegex(@"<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    public static partial Regex Pattern();

    /// <summary>The pre-tokens of <paramref name="text"/>, lower-cased.</summary>
    public static IEnumerable<string> Split(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return Pattern().Matches(text.ToLowerInvariant()).Select(m => m.Value);
    }
}
