using Pipeline.TestServices;
using Pipeline.Curation.Wikipedia;

namespace Pipeline.Curation.Tests.Queries;

public sealed class DumpReaderTests
{
    private static readonly List<DumpPage> Pages =
    [
        new("Dog", "The [[dog]] is a <b>mammal</b> & friend."),
        new("Talk:Dog", "discussion", Namespace: 1),
        new("Doggy", "#REDIRECT [[Dog]]", RedirectTo: "Dog"),
        new("Café <Ünïcode> \"quoted\"", "Text with < and > and emoji \U0001F415."),
        .. Enumerable.Range(0, 250).Select(i => new DumpPage($"Page {i}", $"Body {i}")),
    ];

    [Fact]
    public void Plain_single_stream_and_multistream_dumps_give_the_same_pages()
    {
        using var folder = new TemporaryFolder();
        var xml = WikiDump.Open(WikiDumps.WriteXml(Path.Combine(folder.Path, "enwiki-pages-articles.xml"), Pages));
        var bz2 = WikiDump.Open(WikiDumps.WriteBzip2(Path.Combine(folder.Path, "enwiki-pages-articles.xml.bz2"), Pages));
        var (dump, _, streams) = WikiDumps.WriteMultistream(folder.Path, "enwiki", Pages, pagesPerStream: 20);
        var multi = WikiDump.Open(dump);
        Assert.Equal((DumpFormat.Xml, DumpFormat.Bzip2, DumpFormat.MultistreamBzip2), (xml.Format, bz2.Format, multi.Format));

        // Small partitions: several streams each, every stream in exactly one partition.
        var partitions = multi.Partition(streams[3] - streams[0], CancellationToken.None);
        Assert.True(partitions.Count >= 3, $"{partitions.Count} partitions");
        Assert.Equal(streams, partitions.SelectMany(p => p.Streams));
        Assert.Equal(new FileInfo(dump).Length, partitions[^1].End);

        var expected = Read(xml.Partition(1, CancellationToken.None));
        Assert.Equal(Pages.Count, expected.Count);
        Assert.Equal(expected, Read(bz2.Partition(1, CancellationToken.None)));
        Assert.Equal(expected, Read(partitions));

        var dog = expected[0];
        Assert.Equal(("Dog", 0, false, "The [[dog]] is a <b>mammal</b> & friend."), (dog.Title, dog.Namespace, dog.IsRedirect, dog.Text));
        Assert.True(dog.IsArticle);
        Assert.False(expected[1].IsArticle);
        Assert.True(expected[2].IsRedirect);
        Assert.Equal(Pages[3].Title, expected[3].Title);
        Assert.Equal(Pages[3].Text, expected[3].Text);
    }

    [Fact]
    public void A_corrupt_bzip2_stream_names_the_file_partition_and_stream_offset()
    {
        using var folder = new TemporaryFolder();
        var (dump, _, streams) = WikiDumps.WriteMultistream(folder.Path, "enwiki", Pages, pagesPerStream: 20);
        var bytes = File.ReadAllBytes(dump);
        var victim = streams[5];
        for (var i = victim + 40; i < victim + 60; i++)
        {
            bytes[i] ^= 0x5A;
        }

        File.WriteAllBytes(dump, bytes);
        var partitions = WikiDump.Open(dump).Partition(1, CancellationToken.None);
        var broken = partitions.Single(p => p.Streams.Contains(victim));
        var error = Assert.Throws<DumpReadException>(() => new DumpReader(broken).ReadPages(CancellationToken.None).ToList());
        Assert.Equal((dump, broken.Number, victim), (error.File, error.Partition, error.StreamOffset));
        Assert.Contains(dump, error.Message, StringComparison.Ordinal);
        Assert.Contains($"partition {broken.Number}", error.Message, StringComparison.Ordinal);
        Assert.Contains($"bzip2 stream at byte {victim:N0}", error.Message, StringComparison.Ordinal);

        // The other partitions read completely.
        Assert.Equal(Pages.Count - 20, partitions.Where(p => p != broken).Sum(p => new DumpReader(p).ReadPages(CancellationToken.None).Count()));
    }

    [Fact]
    public void Truncated_xml_names_the_offset_of_the_unfinished_page()
    {
        using var folder = new TemporaryFolder();
        var path = WikiDumps.WriteXml(Path.Combine(folder.Path, "cut.xml"), Pages);
        var text = File.ReadAllText(path);
        var lastPage = text.LastIndexOf("<page>", StringComparison.Ordinal);
        File.WriteAllText(path, text[..(lastPage + 100)]);
        var reader = new DumpReader(WikiDump.Open(path).Partition(1, CancellationToken.None)[0]);
        var pages = new List<WikiPage>();
        var error = Assert.Throws<DumpReadException>(() =>
        {
            foreach (var page in reader.ReadPages(CancellationToken.None))
            {
                pages.Add(page);
            }
        });
        Assert.Equal(Pages.Count - 1, pages.Count);
        Assert.Equal(System.Text.Encoding.UTF8.GetByteCount(text[..lastPage]), error.TextOffset);
        Assert.Contains("truncated", error.Message, StringComparison.Ordinal);
        Assert.Contains(path, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Malformed_page_xml_is_reported_with_its_offset()
    {
        using var folder = new TemporaryFolder();
        var path = Path.Combine(folder.Path, "bad.xml");
        File.WriteAllText(path, WikiDumps.Header + "  <page>\n    <title>Broken</title>\n    <ns>0</ns><revision><text>a < b</text></revision>\n  </page>\n" + WikiDumps.Footer);
        var error = Assert.Throws<DumpReadException>(() => new DumpReader(WikiDump.Open(path).Partition(1, CancellationToken.None)[0]).ReadPages(CancellationToken.None).ToList());
        Assert.Contains("malformed page XML", error.Message, StringComparison.Ordinal);
        Assert.Equal(System.Text.Encoding.UTF8.GetByteCount(WikiDumps.Header) + 2, error.TextOffset);
    }

    private static List<WikiPage> Read(IEnumerable<DumpPartition> partitions) =>
        [.. partitions.SelectMany(p => new DumpReader(p).ReadPages(CancellationToken.None))];
}
