using Pipeline.Curation.Queries;

namespace Pipeline.Curation.Tests.Queries;

public sealed class WordTokenizerTests
{
    [Fact]
    public void Words_keep_case_and_inner_apostrophes_and_split_on_everything_else()
    {
        var (words, joined) = Tokens("Don't stop-believing, O'Brien's café naïve 3.14 'quoted' x2\u2019s");
        Assert.Equal(["Don't", "stop", "believing", "O'Brien's", "café", "naïve", "3", "14", "quoted", "x2\u2019s"], words);
        Assert.Equal([false, true, false, false, true, true, true, false, false, false], joined);
    }

    [Fact]
    public void Only_spaces_and_tabs_join_a_bigram()
    {
        var (words, joined) = Tokens("new york\tcity\nnext line; after (paren) end");
        Assert.Equal(["new", "york", "city", "next", "line", "after", "paren", "end"], words);
        Assert.Equal([false, true, true, false, true, false, false, false], joined);
    }

    [Fact]
    public void Combining_marks_and_non_latin_letters_are_word_characters()
    {
        var (words, _) = Tokens("cafe\u0301 東京 Москва");
        Assert.Equal(["cafe\u0301", "東京", "Москва"], words);
    }

    private static (List<string> Words, List<bool> Joined) Tokens(string text)
    {
        var words = new List<string>();
        var joined = new List<bool>();
        foreach (var token in new WordTokenizer(text))
        {
            words.Add(text.Substring(token.Start, token.Length));
            joined.Add(token.FollowsWord);
        }

        return (words, joined);
    }
}
