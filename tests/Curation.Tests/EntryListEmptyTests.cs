using Pipeline.Curation.Matching;
using Pipeline.Curation.Queries;
using Pipeline.TestServices;

namespace Pipeline.Curation.Tests;

/// <summary>An entry list with nothing in it is refused by the reader, naming the file, whatever its format.</summary>
public sealed class EntryListEmptyTests
{
    [Theory]
    [InlineData("metadata.json", "[]")]
    [InlineData("metadata.json", "")]
    [InlineData("entries.txt", "")]
    [InlineData("entries.txt", "\n\n  \n")]
    public async Task An_empty_json_or_text_list_is_refused_naming_the_file(string name, string content)
    {
        using var folder = new TemporaryFolder("entries");
        var path = folder.Combine(name);
        await File.WriteAllTextAsync(path, content);

        var error = await Assert.ThrowsAsync<InvalidDataException>(() => EntryListFile.LoadAsync(path, CancellationToken.None));

        Assert.Equal($"entry list {path} holds no entries: matching against it would keep nothing", error.Message);
    }

    [Fact]
    public async Task A_query_file_with_no_rows_is_refused_naming_the_file()
    {
        using var folder = new TemporaryFolder("entries");
        var path = folder.Combine("queries.parquet");
        await QueryEntryFile.WriteAsync(path, [], CancellationToken.None);

        var error = await Assert.ThrowsAsync<InvalidDataException>(() => EntryListFile.LoadAsync(path, CancellationToken.None));

        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        Assert.Contains("holds no entries", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_list_with_one_entry_among_blank_lines_keeps_every_position()
    {
        using var folder = new TemporaryFolder("entries");
        var path = folder.Combine("entries.txt");
        await File.WriteAllTextAsync(path, "\ncat\n");

        Assert.Equal(["", "cat"], await EntryListFile.LoadAsync(path, CancellationToken.None));
    }

    [Fact]
    public async Task A_json_list_that_is_not_an_array_of_strings_names_the_place_and_no_dotnet_type()
    {
        using var folder = new TemporaryFolder("entries");
        var path = folder.Combine("metadata.json");
        await File.WriteAllTextAsync(path, "{\"cat\": 1}");

        var error = await Assert.ThrowsAsync<InvalidDataException>(() => EntryListFile.LoadAsync(path, CancellationToken.None));

        Assert.Equal($"{path}: not a JSON array of strings (line 1, byte 1)", error.Message);
    }
}
