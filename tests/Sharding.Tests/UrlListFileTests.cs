using System.IO.Compression;
using System.Text;
using Parquet;
using Parquet.Schema;
using Pipeline.Sharding.Lists;
using Pipeline.TestServices;

namespace Pipeline.Sharding.Tests;

public class UrlListFileTests
{
    private static async Task<(List<UrlListRecord>, List<UrlListProblem>)> ReadAsync(string path, UrlListColumns? columns = null)
    {
        var problems = new List<UrlListProblem>();
        var records = new List<UrlListRecord>();
        await foreach (var record in UrlListFile.ReadAsync(path, columns ?? new UrlListColumns(), problems.Add, CancellationToken.None))
        {
            records.Add(record);
        }

        return (records, problems);
    }

    [Fact]
    public async Task Reads_txt_lists_skipping_blanks_and_comments()
    {
        using var folder = new TemporaryFolder("urllist");
        var path = folder.Combine("urls.txt");
        await File.WriteAllTextAsync(path, "http://a.example/1.jpg\r\n\n# a comment\n  http://a.example/2.jpg  \n");

        var (records, problems) = await ReadAsync(path);

        Assert.Empty(problems);
        Assert.Equal([("http://a.example/1.jpg", 1L), ("http://a.example/2.jpg", 4L)], records.Select(r => (r.Url, r.Line)));
        Assert.All(records, r => Assert.Null(r.Caption));
    }

    [Fact]
    public async Task Reads_csv_with_quotes_commas_and_newlines_and_custom_columns()
    {
        using var folder = new TemporaryFolder("urllist");
        var path = folder.Combine("list.csv");
        await File.WriteAllTextAsync(path, "id,image,text\n1,http://a.example/1.jpg,\"A cat, sitting\"\n2,http://a.example/2.jpg,\"Two\nlines with \"\"quotes\"\"\"\n3,,no url\n4,http://a.example/4.jpg,plain\n");

        var (records, problems) = await ReadAsync(path, new UrlListColumns { Url = "image", Caption = "text" });

        Assert.Equal(["A cat, sitting", "Two\nlines with \"quotes\"", "plain"], records.Select(r => r.Caption));
        Assert.Equal([2L, 3L, 6L], records.Select(r => r.Line));
        Assert.Equal(5, Assert.Single(problems).Line);
    }

    [Fact]
    public async Task Reads_the_lineage_of_balanced_pairs_from_jsonl_and_none_from_a_plain_list()
    {
        using var folder = new TemporaryFolder("urllist");
        var jsonl = folder.Combine("pairs.jsonl");
        await File.WriteAllLinesAsync(jsonl,
        [
            """{"url":"http://a.example/1.jpg","caption":"a cat","matched_entry_ids":[3,9],"kept_for_entry":9,"keep_probability":0.25,"reserve":true}""",
            """{"url":"http://a.example/2.jpg","caption":"a dog","matched_entry_ids":[4],"kept_for_entry":null,"keep_probability":null,"reserve":null}""",
            """{"url":"http://a.example/3.jpg","caption":"plain"}""",
        ]);

        var (records, problems) = await ReadAsync(jsonl);

        Assert.Empty(problems);
        Assert.Equal([3, 9], records[0].Lineage!.MatchedEntryIds);
        Assert.Equal((9, 0.25, true), (records[0].Lineage!.KeptForEntry, records[0].Lineage!.KeepProbability, records[0].Lineage!.Reserve));
        Assert.Equal([4], records[1].Lineage!.MatchedEntryIds);
        Assert.Equal((null, null, null), (records[1].Lineage!.KeptForEntry, records[1].Lineage!.KeepProbability, records[1].Lineage!.Reserve));
        Assert.Null(records[2].Lineage);
    }

    [Fact]
    public async Task Reads_gzipped_tsv_and_jsonl_and_reports_bad_lines_with_offsets()
    {
        using var folder = new TemporaryFolder("urllist");
        var tsv = folder.Combine("list.tsv.gz");
        await using (var file = File.Create(tsv))
        await using (var gzip = new GZipStream(file, CompressionLevel.Fastest))
        {
            await gzip.WriteAsync(Encoding.UTF8.GetBytes("url\tcaption\nhttp://a.example/1.jpg\tCafé au lait\n"));
        }

        var jsonl = folder.Combine("list.jsonl");
        var good = "{\"url\":\"http://a.example/1.jpg\",\"caption\":\"one\",\"page_url\":\"http://a.example/\"}\n";
        await File.WriteAllBytesAsync(jsonl, [.. Encoding.UTF8.GetBytes(good), .. "{\"url\":\"http://a.example/\xff.jpg\"}\n"u8.ToArray().Select(b => b == (byte)'?' ? (byte)0xff : b), .. "{\"caption\":\"no url\"}\n"u8]);

        var (tsvRecords, _) = await ReadAsync(tsv);
        var (jsonRecords, problems) = await ReadAsync(jsonl);

        Assert.Equal("Café au lait", Assert.Single(tsvRecords).Caption);
        Assert.Equal(("one", "http://a.example/"), (jsonRecords[0].Caption, jsonRecords[0].PageUrl));
        Assert.Contains(problems, p => p.Line == 3 && p.Offset > good.Length && p.Reason.Contains("no string 'url'", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Reads_parquet_lists()
    {
        using var folder = new TemporaryFolder("urllist");
        var path = folder.Combine("list.parquet");
        var url = new DataField<string>("url");
        var caption = new DataField<string>("caption");
        await using (var file = File.Create(path))
        await using (var writer = await ParquetWriter.CreateAsync(new ParquetSchema(url, caption), file))
        {
            using var group = writer.CreateRowGroup();
            string?[] urls = ["http://a.example/1.jpg", "http://a.example/2.jpg"];
            string?[] captions = ["first", "second"];
            await group.WriteAsync(url, urls);
            await group.WriteAsync(caption, captions);
        }

        var (records, problems) = await ReadAsync(path);

        Assert.Empty(problems);
        Assert.Equal(["first", "second"], records.Select(r => r.Caption));
    }

    [Fact]
    public async Task A_list_without_the_url_column_is_refused_with_its_columns()
    {
        using var folder = new TemporaryFolder("urllist");
        var path = folder.Combine("list.csv");
        await File.WriteAllTextAsync(path, "link,caption\nhttp://a.example/1.jpg,x\n");

        var ex = await Assert.ThrowsAsync<InvalidDataException>(() => ReadAsync(path));

        Assert.Contains("no 'url' column (columns: link, caption)", ex.Message, StringComparison.Ordinal);
    }
}
