namespace Pipeline.Curation.WordNet;

/// <summary>A WordNet 3.x dict folder holding the four <c>data.*</c> files, one per part of speech.</summary>
/// <param name="Directory">The folder, as an absolute path.</param>
public sealed record WordNetFolder(string Directory)
{
    /// <summary>The data files of a WordNet dict folder, one per part of speech.</summary>
    public static readonly IReadOnlyList<string> DataFiles = ["data.noun", "data.verb", "data.adj", "data.adv"];

    /// <summary>Path of the data file for a part of speech, e.g. <c>noun</c>.</summary>
    public string DataFile(string partOfSpeech) => Path.Combine(Directory, "data." + partOfSpeech);

    /// <summary>
    /// Counts synsets in a data file by streaming it. Every synset is one line that starts with its 8-digit byte
    /// offset; the licence header lines start with two spaces.
    /// </summary>
    public async Task<int> CountSynsetsAsync(string partOfSpeech, CancellationToken cancellationToken)
    {
        var path = DataFile(partOfSpeech);
        using var reader = new StreamReader(path);
        var count = 0;
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            if (line.Length > 0 && char.IsAsciiDigit(line[0]))
            {
                count++;
            }
        }

        return count;
    }

    /// <summary>Streams the synsets of one part of speech (<c>noun</c>, <c>verb</c>, <c>adj</c>, <c>adv</c>).</summary>
    /// <exception cref="FormatException">A synset line is malformed; the message names the file and line.</exception>
    public async IAsyncEnumerable<WordNetSynset> ReadSynsetsAsync(string partOfSpeech, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var path = DataFile(partOfSpeech);
        using var reader = new StreamReader(path);
        var number = 0;
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            number++;
            WordNetSynset? synset;
            try
            {
                synset = WordNetSynset.Parse(line, partOfSpeech);
            }
            catch (FormatException ex)
            {
                throw new FormatException($"{path}:{number}: {ex.Message}", ex);
            }

            if (synset is not null)
            {
                yield return synset;
            }
        }
    }
}
