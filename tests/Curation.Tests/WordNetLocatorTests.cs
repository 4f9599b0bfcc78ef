using Pipeline.Curation.WordNet;
using Pipeline.TestServices;

namespace Pipeline.Curation.Tests;

public class WordNetLocatorTests
{
    [Fact]
    public async Task Finds_Debian_wordnet_base_and_counts_its_synsets()
    {
        // infra/setup.sh installs Debian's wordnet-base (WordNet 3.0).
        var folder = WordNetLocator.Locate(WordNetLocator.DebianDirectory);

        Assert.Equal(WordNetLocator.DebianDirectory, folder.Directory);
        // WordNet 3.0's published synset counts per part of speech.
        Assert.Equal(82115, await folder.CountSynsetsAsync("noun", CancellationToken.None));
        Assert.Equal(13767, await folder.CountSynsetsAsync("verb", CancellationToken.None));
        Assert.Equal(18156, await folder.CountSynsetsAsync("adj", CancellationToken.None));
        Assert.Equal(3621, await folder.CountSynsetsAsync("adv", CancellationToken.None));
    }

    [Fact]
    public async Task Uses_a_configured_folder_and_skips_licence_lines_when_counting()
    {
        using var temp = new TemporaryFolder("wordnet");
        foreach (var file in WordNetFolder.DataFiles)
        {
            await File.WriteAllTextAsync(temp.Combine(file), "  1 This software and database is being provided\n  2 licence\n");
        }

        await File.AppendAllTextAsync(temp.Combine("data.noun"),
            "00001740 03 n 01 entity 0 003 ~ 00001930 n 0000 | that which exists\n" +
            "00001930 03 n 01 physical_entity 0 000 | an entity that has physical existence\n");

        var folder = WordNetLocator.Locate(temp.Path);

        Assert.Equal(temp.Path, folder.Directory);
        Assert.Equal(2, await folder.CountSynsetsAsync("noun", CancellationToken.None));
        Assert.Equal(0, await folder.CountSynsetsAsync("verb", CancellationToken.None));
    }

    [Fact]
    public void Names_the_folder_and_the_missing_files_when_a_configured_folder_is_incomplete()
    {
        using var temp = new TemporaryFolder("wordnet");
        File.WriteAllText(temp.Combine("data.noun"), string.Empty);

        var error = Assert.Throws<WordNetNotFoundException>(() => WordNetLocator.Locate(temp.Path));

        Assert.Contains(temp.Path, error.Message, StringComparison.Ordinal);
        Assert.Contains("missing data.verb, data.adj, data.adv", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Reports_a_folder_that_does_not_exist()
    {
        var error = Assert.Throws<WordNetNotFoundException>(() => WordNetLocator.Locate("/nonexistent/wordnet/dict"));

        Assert.Contains("/nonexistent/wordnet/dict: no such folder", error.Message, StringComparison.Ordinal);
    }
}
