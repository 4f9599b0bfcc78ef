using System.Globalization;
using System.IO.Compression;
using System.Text;
using Pipeline.Crawler.Candidates;
using Pipeline.Crawler.Html;
using Pipeline.Crawler.Sources;
using Pipeline.Crawler.Sources.Warc;

namespace Pipeline.Crawler.Tests;

/// <summary>WARC and WAT files written by the test in the real formats: one gzip member per record, as Common Crawl writes them.</summary>
public class WarcReaderTests
{
    private static byte[] Record(string type, string? target, string contentType, byte[] block)
    {
        var header = new StringBuilder()
            .Append("WARC/1.0\r\n")
            .Append(CultureInfo.InvariantCulture, $"WARC-Type: {type}\r\n")
            .Append(CultureInfo.InvariantCulture, $"WARC-Record-ID: <urn:uuid:{Guid.NewGuid()}>\r\n")
            .Append("WARC-Date: 2026-11-01T00:00:00Z\r\n");
        if (target is not null)
        {
            header.Append(CultureInfo.InvariantCulture, $"WARC-Target-URI: {target}\r\n");
        }

        header.Append(CultureInfo.InvariantCulture, $"Content-Type: {contentType}\r\nContent-Length: {block.Length}\r\n\r\n");
        return [.. Encoding.UTF8.GetBytes(header.ToString()), .. block, .. "\r\n\r\n"u8];
    }

    private static byte[] HttpResponse(string contentType, string body, bool chunkedGzip = false)
    {
        var payload = Encoding.UTF8.GetBytes(body);
        if (!chunkedGzip)
        {
            return [.. Encoding.ASCII.GetBytes($"HTTP/1.1 200 OK\r\nContent-Type: {contentType}\r\nContent-Length: {payload.Length}\r\n\r\n"), .. payload];
        }

        using var gz = new MemoryStream();
        using (var z = new GZipStream(gz, CompressionLevel.Fastest, leaveOpen: true))
        {
            z.Write(payload);
        }

        var zipped = gz.ToArray();
        var half = zipped.Length / 2;
        var chunked = Encoding.ASCII.GetBytes($"{half:x}\r\n").Concat(zipped[..half]).Concat(Encoding.ASCII.GetBytes($"\r\n{zipped.Length - half:x}\r\n")).Concat(zipped[half..]).Concat("\r\n0\r\n\r\n"u8.ToArray());
        return [.. Encoding.ASCII.GetBytes($"HTTP/1.1 200 OK\r\nContent-Type: {contentType}\r\nContent-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n"), .. chunked];
    }

    private static byte[] Gzip(byte[] data)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest))
        {
            gzip.Write(data);
        }

        return output.ToArray();
    }

    private static (byte[] File, long[] Offsets) Members(params byte[][] records)
    {
        var offsets = new List<long>();
        using var file = new MemoryStream();
        foreach (var record in records)
        {
            offsets.Add(file.Position);
            file.Write(Gzip(record));
        }

        return (file.ToArray(), [.. offsets]);
    }

    private static async Task<(List<ImageCandidate>, List<SourceProblem>, long Pages)> ReadWarcAsync(byte[] file)
    {
        var problems = new List<SourceProblem>();
        var source = new WarcCandidateSource(new HtmlImageExtractor(new HtmlExtractionOptions()));
        var candidates = new List<ImageCandidate>();
        await foreach (var candidate in source.ReadAsync(new MemoryStream(file), "test.warc.gz", problems.Add, CancellationToken.None))
        {
            candidates.Add(candidate);
        }

        return (candidates, problems, source.Pages);
    }

    private static byte[][] SampleRecords() =>
    [
        Record("warcinfo", null, "application/warc-fields", "software: test\r\n"u8.ToArray()),
        Record("request", "http://a.example/", "application/http; msgtype=request", "GET / HTTP/1.1\r\nHost: a.example\r\n\r\n"u8.ToArray()),
        Record("response", "http://a.example/", "application/http; msgtype=response", HttpResponse("text/html", "<img src=/cat.jpg alt='A cat'><img src=dog.jpg alt='A dog'>")),
        Record("response", "http://a.example/cat.jpg", "application/http; msgtype=response", HttpResponse("image/jpeg", "\u00ff\u00d8 not html")),
        Record("response", "https://b.example/dir/", "application/http; msgtype=response", HttpResponse("text/html; charset=utf-8", "<img src=bird.png alt='Ein Vogel – grün'>", chunkedGzip: true)),
    ];

    [Fact]
    public async Task Reads_html_responses_of_a_gzipped_warc_member_by_member()
    {
        var (file, _) = Members(SampleRecords());

        var (candidates, problems, pages) = await ReadWarcAsync(file);

        Assert.Empty(problems);
        Assert.Equal(2, pages);
        Assert.Equal(
            [
                new ImageCandidate("http://a.example/cat.jpg", "A cat", "http://a.example/", TextSource.Alt),
                new ImageCandidate("http://a.example/dog.jpg", "A dog", "http://a.example/", TextSource.Alt),
                new ImageCandidate("https://b.example/dir/bird.png", "Ein Vogel – grün", "https://b.example/dir/", TextSource.Alt),
            ],
            candidates);
    }

    [Fact]
    public async Task Reads_a_plain_warc_the_same_way()
    {
        var plain = SampleRecords().SelectMany(r => r).ToArray();

        var (candidates, problems, _) = await ReadWarcAsync(plain);

        Assert.Empty(problems);
        Assert.Equal(3, candidates.Count);
    }

    [Fact]
    public async Task A_corrupt_member_is_reported_at_its_offset_and_the_rest_still_read()
    {
        var records = SampleRecords();
        var (file, offsets) = Members(records);

        // Damage the deflate data of the third member (the first HTML response).
        var damaged = (byte[])file.Clone();
        for (var i = offsets[2] + 20; i < offsets[2] + 40; i++)
        {
            damaged[i] ^= 0x5a;
        }

        var (candidates, problems, _) = await ReadWarcAsync(damaged);

        var problem = Assert.Single(problems);
        Assert.Equal(offsets[2], problem.Offset);
        Assert.Equal("test.warc.gz", problem.Source);
        Assert.Equal(["https://b.example/dir/bird.png"], candidates.Select(c => c.Url));
    }

    [Fact]
    public async Task A_truncated_file_reports_where_it_ends()
    {
        var (file, offsets) = Members(SampleRecords());

        var (candidates, problems, _) = await ReadWarcAsync(file[..(int)(offsets[4] + 30)]);

        Assert.Equal(2, candidates.Count);
        var problem = Assert.Single(problems);
        Assert.Equal(offsets[4], problem.Offset);
        Assert.Contains("truncated", problem.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Records_keep_their_member_offsets()
    {
        var (file, offsets) = Members(SampleRecords());
        var seen = new List<long>();

        await foreach (var record in WarcReader.ReadAsync(new MemoryStream(file), "x", _ => { }, CancellationToken.None))
        {
            seen.Add(record.Offset);
        }

        Assert.Equal(offsets, seen);
    }

    [Fact]
    public async Task Reads_image_links_with_alt_and_title_from_wat_metadata()
    {
        static byte[] Metadata(string target, string json) => Record("metadata", target, "application/json", Encoding.UTF8.GetBytes(json));
        var wat = Members(
            Record("warcinfo", null, "application/warc-fields", "x: y\r\n"u8.ToArray()),
            Metadata("http://a.example/page", """
                {"Envelope":{"WARC-Header-Metadata":{"WARC-Target-URI":"http://a.example/page"},
                 "Payload-Metadata":{"HTTP-Response-Metadata":{"HTML-Metadata":{
                   "Head":{"Base":"http://cdn.a.example/img/","Metas":[{"name":"description","content":"x"}]},
                   "Links":[{"path":"A@/href","url":"/other"},
                            {"path":"IMG@/src","url":"one.jpg","alt":"First  image","title":"One"},
                            {"path":"IMG@/src","url":"data:image/png;base64,xx","alt":"inline"},
                            {"path":"IMG@/src","url":"/abs/two.jpg","alt":""}]}}}}}
                """),
            Metadata("http://b.example/", """
                {"Envelope":{"WARC-Header-Metadata":{"WARC-Target-URI":"http://b.example/"},
                 "Payload-Metadata":{"HTTP-Response-Metadata":{"HTML-Metadata":{
                   "Head":{"Metas":[{"name":"robots","content":"noai"}]},
                   "Links":[{"path":"IMG@/src","url":"x.jpg","alt":"opted out"}]}}}}}
                """),
            Metadata("http://d.example/", """
                {"Envelope":{"WARC-Header-Metadata":{"WARC-Target-URI":"http://d.example/"},
                 "Payload-Metadata":{"HTTP-Response-Metadata":{"HTML-Metadata":{
                   "Head":{"Metas":[{"name":"tdm-reservation","content":"1"}]},
                   "Links":[{"path":"IMG@/src","url":"y.jpg","alt":"reserved"}]}}}}}
                """),
            Metadata("http://c.example/", "{ not json")).File;
        var problems = new List<SourceProblem>();
        var source = new WatCandidateSource(new HtmlExtractionOptions());
        var candidates = new List<ImageCandidate>();

        await foreach (var candidate in source.ReadAsync(new MemoryStream(wat), "test.wat.gz", problems.Add, CancellationToken.None))
        {
            candidates.Add(candidate);
        }

        Assert.Equal(
            [
                new ImageCandidate("http://cdn.a.example/img/one.jpg", "First image", "http://a.example/page", TextSource.Alt),
                new ImageCandidate("http://cdn.a.example/img/one.jpg", "One", "http://a.example/page", TextSource.Title),
            ],
            candidates);
        Assert.Contains("c.example", Assert.Single(problems).Reason, StringComparison.Ordinal);
    }
}
