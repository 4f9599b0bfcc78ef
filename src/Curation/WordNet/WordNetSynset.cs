namespace Pipeline.Curation.WordNet;

/// <summary>One synset line of a WordNet <c>data.*</c> file.</summary>
/// <param name="Offset">The synset's byte offset, its id within the part of speech.</param>
/// <param name="PartOfSpeech">The file's part of speech: noun, verb, adj or adv.</param>
/// <param name="Lemmas">The synset's words as written in the file (underscores for spaces, adjective markers removed); the first is its head.</param>
public sealed record WordNetSynset(long Offset, string PartOfSpeech, IReadOnlyList<string> Lemmas)
{
    /// <summary>The head word with underscores turned into spaces, e.g. <c>hot dog</c>.</summary>
    public string HeadName => Lemmas[0].Replace('_', ' ');

    /// <summary>Parses a synset line (<c>offset lex_filenum ss_type w_cnt word lex_id ...</c>, w_cnt in hex); null for header lines.</summary>
    /// <exception cref="FormatException">The line starts like a synset but is malformed.</exception>
    public static WordNetSynset? Parse(string line, string partOfSpeech)
    {
        ArgumentNullException.ThrowIfNull(line);
        if (line.Length == 0 || !char.IsAsciiDigit(line[0]))
        {
            return null;
        }

        var fields = line.Split(' ', 5 + 2 * 64, StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length < 6
            || !long.TryParse(fields[0], System.Globalization.CultureInfo.InvariantCulture, out var offset)
            || !int.TryParse(fields[3], System.Globalization.NumberStyles.HexNumber, System.Globalization.CultureInfo.InvariantCulture, out var words)
            || words < 1
            || fields.Length < 4 + (2 * words))
        {
            throw new FormatException($"malformed WordNet synset line: {line[..Math.Min(line.Length, 80)]}");
        }

        var lemmas = new string[words];
        for (var i = 0; i < words; i++)
        {
            var word = fields[4 + (2 * i)];

            // Adjectives may carry a syntactic marker: (a), (p) or (ip).
            var marker = word.IndexOf('(', StringComparison.Ordinal);
            lemmas[i] = marker > 0 && word.EndsWith(')') ? word[..marker] : word;
        }

        return new WordNetSynset(offset, partOfSpeech, lemmas);
    }
}
