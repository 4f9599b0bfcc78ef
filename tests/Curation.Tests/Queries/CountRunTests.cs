using Pipeline.Curation.Queries;
using Pipeline.TestServices;

namespace Pipeline.Curation.Tests.Queries;

public sealed class CountRunTests
{
    [Fact]
    public void Runs_merge_into_summed_counts_in_ordinal_order()
    {
        using var folder = new TemporaryFolder();
        var a = Path.Combine(folder.Path, "a.run");
        var b = Path.Combine(folder.Path, "b.run");
        CountRunWriter.Write(a, [new("Zebra", 1), new("apple", 2), new("new york", 5)]);
        using (var writer = new CountRunWriter(b))
        {
            writer.Add("apple", [], 3);
            writer.Add("new", "york", 7);
            writer.Add("zoo", [], 1);
            writer.Complete();
        }

        Assert.Equal(
            [new("Zebra", 1), new("apple", 5), new("new york", 12), new("zoo", 1)],
            CountMerger.Merge([a, b], CancellationToken.None).ToList());
    }

    [Fact]
    public void Out_of_order_keys_are_refused_and_a_truncated_run_is_detected()
    {
        using var folder = new TemporaryFolder();
        var path = Path.Combine(folder.Path, "bad.run");
        Assert.Throws<ArgumentException>(() => CountRunWriter.Write(path, [new("b", 1), new("a", 1)]));

        var records = Enumerable.Range(0, 5000).Select(i => new KeyValuePair<string, long>($"word{i:D5}", i + 1)).ToList();
        CountRunWriter.Write(path, records);
        Assert.Equal(records, CountRunReader.ReadAll(path).ToList());

        // A run cut short, as by a killed worker, never reads as complete.
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
        var error = Assert.ThrowsAny<Exception>(() => CountRunReader.ReadAll(path).ToList());
        Assert.Contains(path, error.Message, StringComparison.Ordinal);

        using (var unfinished = new CountRunWriter(path))
        {
            unfinished.Add("only", [], 1);
        }

        Assert.Throws<InvalidDataException>(() => CountRunReader.ReadAll(path).ToList());
    }
}
