using Pipeline.Curation.Matching;

namespace Pipeline.Curation.Tests;

public sealed class EntryMatcherTests
{
    private static int[] Match(string text, params string[] entries) => EntryMatcher.Build(entries).Match(text);

    private static string[] Names(string text, params string[] entries) =>
        [.. Match(text, entries).Select(id => entries[id])];

    [Fact]
    public void Punctuation_ends_a_word_and_entries_match_whole_words_only()
    {
        string[] entries = ["cat", "dog", "hot dog", "at"];
        Assert.Equal(["cat", "dog"], Names("A cat, a dog.", entries));
        Assert.Equal(["cat"], Names("cat!", entries));
        Assert.Equal(["cat"], Names("(cat)?cat;", entries));
        Assert.Empty(Names("(cat)", entries));
        Assert.Empty(Names("cats concatenate", entries));
        Assert.Equal(["dog", "hot dog"], Names("a hot dog:", entries));
        Assert.Equal(["cat"], Names("`cat`", entries));
    }

    [Fact]
    public void Apostrophes_hyphens_and_brackets_are_part_of_the_word()
    {
        string[] entries = ["dog", "dog's", "rock 'n' roll", "x-ray", "ray"];
        Assert.Equal(["dog's"], Names("my dog's bone", entries));
        Assert.Equal(["rock 'n' roll"], Names("rock 'n' roll music", entries));
        Assert.Equal(["x-ray"], Names("an x-ray image", entries));
        Assert.Empty(Names("'dog'", entries));
    }

    [Fact]
    public void Matching_is_case_sensitive_unless_asked_otherwise()
    {
        string[] entries = ["Paris", "apple", "ÉCOLE"];
        Assert.Equal(["Paris"], Names("Paris in spring", entries));
        Assert.Empty(Names("paris APPLE école", entries));
        var insensitive = EntryMatcher.Build(entries, new MatcherOptions { CaseInsensitive = true });
        Assert.Equal([0, 1, 2], insensitive.Match("paris APPLE école"));
    }

    [Fact]
    public void Unicode_text_and_entries_match_by_code_point()
    {
        string[] entries = ["東京", "café", "🐱", "naïve art", "ß"];
        Assert.Equal(["東京"], Names("夜の 東京 タワー", entries));
        Assert.Equal(["café", "🐱"], Names("a café 🐱!", entries));
        Assert.Equal(["naïve art"], Names("naïve art", entries));
        Assert.Empty(Names("東京タワー", entries));

        // Decomposed é (e + U+0301) is a different string: matching does not normalise Unicode.
        Assert.Empty(Names("cafe\u0301", entries));
        Assert.Equal(["ß"], Names("ß", entries));
    }

    [Fact]
    public void Overlapping_and_nested_entries_all_match()
    {
        string[] entries = ["new york", "york", "new york city", "city", "new", "york city hall"];
        Assert.Equal(entries.Order(StringComparer.Ordinal), Names("new york city hall", entries).Order(StringComparer.Ordinal));
        Assert.Equal(["city", "new", "new york", "new york city", "york"], Names("new york city", entries).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Entries_at_the_start_and_end_match_and_whitespace_becomes_space()
    {
        string[] entries = ["start", "end", "a b"];
        Assert.Equal(["start", "end"], Names("start middle end", entries));
        Assert.Equal(["a b"], Names("a\tb", entries));
        Assert.Equal(["a b"], Names("x a\nb y", entries));
        Assert.Empty(Names("a\r\nb", entries)); // two spaces: "a b" needs exactly one
    }

    [Fact]
    public void Empty_text_matches_nothing_and_repeats_are_reported_once()
    {
        string[] entries = ["a", "b"];
        Assert.Empty(Match("", entries));
        Assert.Empty(Match("   ", entries));
        Assert.Equal([0, 1], Match("b a b a a", entries));
    }

    [Fact]
    public void Entries_with_punctuation_never_match_as_in_MetaCLIP()
    {
        // The text is spaced but entries are not, so "Mr." can never be found; this is MetaCLIP's behaviour.
        Assert.Empty(Names("Mr. Smith", "Mr.", "Smith."));
        Assert.Equal(["Mr"], Names("Mr. Smith", "Mr", "Smith."));
    }

    [Fact]
    public void Duplicate_entries_match_under_every_id_and_empty_entries_are_refused()
    {
        Assert.Equal([0, 2], Match("a cat", "cat", "dog", "cat"));
        var error = Assert.Throws<ArgumentException>(() => EntryMatcher.Build(["ok", ""]));
        Assert.Contains("entry 1", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_automaton_agrees_with_MetaCLIPs_plain_substring_search_on_random_text()
    {
        var random = new Random(5);
        const string alphabet = "ab c.,'é\t!";
        string Word(int max) => new([.. Enumerable.Range(0, random.Next(1, max)).Select(_ => alphabet[random.Next(alphabet.Length)])]);
        var entries = Enumerable.Range(0, 300).Select(_ => Word(6)).Where(e => e.Trim().Length > 0).Distinct().ToArray();
        var matcher = EntryMatcher.Build(entries);
        var matched = 0;
        for (var t = 0; t < 3000; t++)
        {
            var text = Word(40);
            var spaced = CaptionSpacing.Apply(text);
            var expected = Enumerable.Range(0, entries.Length).Where(i => spaced.Contains(" " + entries[i] + " ", StringComparison.Ordinal)).ToArray();
            var actual = matcher.Match(text);
            Assert.True(expected.SequenceEqual(actual), $"text '{text}': expected [{string.Join(',', expected)}], got [{string.Join(',', actual)}]");
            matched += actual.Length;
        }

        Assert.True(matched > 500, $"the random texts matched only {matched} times: the test would not show much");
    }
}
