using Pipeline.TestServices;
using Pipeline.Trainer.Tokenization;

namespace Pipeline.Trainer.Tests;

public sealed class TokenizerTests
{
    private static readonly string[] Captions =
    [
        "A photo of a dog running on the beach.",
        "Two dogs, one cat & a bird: \"friends\" forever!",
        "Café au lait — très bon 🐶🐱 naïve façade",
        "東京タワーの夜景 and the Eiffel Tower at night",
        "it's the dog's ball; they're playing (again)...",
        "   lots\tof   white\nspace   ",
        "emoji only: 🎉🎉🎉 👩‍👩‍👧 🇫🇷",
        "numbers 2024 and 3.14159, 1,000,000 dogs",
    ];

    private static BpeVocabulary Train() => BpeTrainer.Train(Enumerable.Repeat(Captions, 20).SelectMany(c => c), 700);

    [Fact]
    public void Round_trips_punctuation_unicode_and_emoji_to_clip_spaced_lower_case_text()
    {
        var tokenizer = new ClipTokenizer(Train());
        foreach (var caption in Captions)
        {
            var ids = new long[ClipTokenizer.DefaultContextLength];
            tokenizer.Encode(caption, ids);
            Assert.Equal(tokenizer.StartId, ids[0]);
            var decoded = tokenizer.Decode(ids);

            // CLIP's decode puts a space after every word-end token: the same characters, lower-cased, re-spaced.
            Assert.Equal(string.Concat(caption.ToLowerInvariant().Where(c => !char.IsWhiteSpace(c))), string.Concat(decoded.Where(c => c != ' ')));
            Assert.Equal(string.Join(' ', ClipPreTokenizer.Split(caption)), decoded);

            // Decoded text encodes to the same ids.
            var again = new long[ClipTokenizer.DefaultContextLength];
            tokenizer.Encode(decoded, again);
            Assert.Equal(ids, again);
        }
    }

    [Fact]
    public void Frequent_words_become_single_tokens_and_long_texts_keep_the_end_token()
    {
        var vocabulary = Train();
        var tokenizer = new ClipTokenizer(vocabulary);
        Assert.Equal(["dog</w>"], tokenizer.EncodeIds("Dog").Select(id => vocabulary.Tokens[id]));
        Assert.Equal(514 + vocabulary.Merges.Count, tokenizer.VocabularySize);
        Assert.Equal(tokenizer.VocabularySize - 1, tokenizer.EndId);

        var ids = new long[ClipTokenizer.DefaultContextLength];
        tokenizer.Encode(string.Join(' ', Enumerable.Repeat("dog", 200)), ids);
        Assert.Equal(tokenizer.EndId, ids[^1]);
        Assert.All(ids[1..^1], id => Assert.Equal(vocabulary.Ids["dog</w>"], id));
    }

    [Fact]
    public async Task Saves_and_loads_clip_format_files()
    {
        using var folder = new TemporaryFolder();
        var vocabulary = Train();
        await vocabulary.SaveAsync(folder.Path, CancellationToken.None);

        var merges = await File.ReadAllLinesAsync(folder.Combine("merges.txt"));
        Assert.Equal("#version: 0.2", merges[0]);
        Assert.Equal(vocabulary.Merges.Count, merges.Length - 1);
        var vocab = System.Text.Json.JsonSerializer.Deserialize<Dictionary<string, int>>(await File.ReadAllTextAsync(folder.Combine("vocab.json")))!;
        Assert.Equal(0, vocab["!"]);
        Assert.Equal(256, vocab["!</w>"]);
        Assert.Equal(vocab.Count - 2, vocab["<|startoftext|>"]);
        Assert.Equal(vocab.Count - 1, vocab["<|endoftext|>"]);

        var loaded = await BpeVocabulary.LoadAsync(folder.Path, CancellationToken.None);
        Assert.Equal(vocabulary.Merges, loaded.Merges);

        await File.WriteAllTextAsync(folder.Combine("merges.txt"), "#version: 0.2\nd o g\n");
        var error = await Assert.ThrowsAsync<InvalidDataException>(() => BpeVocabulary.LoadAsync(folder.Path, CancellationToken.None));
        Assert.Contains("merges.txt:2", error.Message, StringComparison.Ordinal);
    }
}
