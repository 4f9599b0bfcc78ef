using System.Globalization;
using System.IO.Compression;
using System.Security;
using System.Text;
using ICSharpCode.SharpZipLib.BZip2;

namespace Pipeline.Curation.Tests.Queries;

/// <summary>A page the tests put in a dump.</summary>
internal sealed record DumpPage(string Title, string Text, int Namespace = 0, string? RedirectTo = null);

/// <summary>Writes MediaWiki dumps in the real formats: namespaced XML, one bzip2 stream, multistream bzip2 with its index; and hourly pageview files.</summary>
internal static class WikiDumps
{
    public const string Header = """
        <mediawiki xmlns="http://www.mediawiki.org/xml/export-0.11/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://www.mediawiki.org/xml/export-0.11/ http://www.mediawiki.org/xml/export-0.11.xsd" version="0.11" xml:lang="en">
          <siteinfo>
            <sitename>Wikipedia</sitename>
            <dbname>enwiki</dbname>
            <base>https://en.wikipedia.org/wiki/Main_Page</base>
            <generator>MediaWiki 1.43.0-wmf.1</generator>
            <case>first-letter</case>
            <namespaces>
              <namespace key="0" case="first-letter" />
              <namespace key="1" case="first-letter">Talk</namespace>
              <namespace key="14" case="first-letter">Category</namespace>
            </namespaces>
          </siteinfo>

        """;

    public const string Footer = "</mediawiki>\n";

    public static string Page(DumpPage page, int id)
    {
        var text = SecurityElement.Escape(page.Text);
        var redirect = page.RedirectTo is null ? "" : $"    <redirect title=\"{SecurityElement.Escape(page.RedirectTo)}\" />\n";
        return string.Create(CultureInfo.InvariantCulture, $"""
              <page>
                <title>{SecurityElement.Escape(page.Title)}</title>
                <ns>{page.Namespace}</ns>
                <id>{id}</id>
            {redirect}    <revision>
                  <id>{1000 + id}</id>
                  <parentid>{999 + id}</parentid>
                  <timestamp>2024-05-01T12:00:00Z</timestamp>
                  <contributor>
                    <username>Editor</username>
                    <id>42</id>
                  </contributor>
                  <model>wikitext</model>
                  <format>text/x-wiki</format>
                  <text bytes="{Encoding.UTF8.GetByteCount(page.Text)}" xml:space="preserve">{text}</text>
                  <sha1>phoiac9h4m842xq45sp7s6u21eteeq1</sha1>
                </revision>
              </page>

            """);
    }

    public static string Xml(IReadOnlyList<DumpPage> pages) =>
        Header + string.Concat(pages.Select((p, i) => Page(p, i + 1))) + Footer;

    public static string WriteXml(string path, IReadOnlyList<DumpPage> pages)
    {
        File.WriteAllText(path, Xml(pages), new UTF8Encoding(false));
        return path;
    }

    public static string WriteBzip2(string path, IReadOnlyList<DumpPage> pages)
    {
        File.WriteAllBytes(path, Compress(Encoding.UTF8.GetBytes(Xml(pages))));
        return path;
    }

    /// <summary>Writes NAME-multistream.xml.bz2 (header stream, a stream per <paramref name="pagesPerStream"/> pages, footer stream) and NAME-multistream-index.txt.bz2.</summary>
    public static (string Dump, string Index, List<long> Streams) WriteMultistream(string folder, string name, IReadOnlyList<DumpPage> pages, int pagesPerStream = 100)
    {
        var dump = Path.Combine(folder, name + "-multistream.xml.bz2");
        var index = Path.Combine(folder, name + "-multistream-index.txt.bz2");
        var streams = new List<long>();
        var lines = new StringBuilder();
        using (var file = File.Create(dump))
        {
            file.Write(Compress(Encoding.UTF8.GetBytes(Header)));
            for (var start = 0; start < pages.Count; start += pagesPerStream)
            {
                streams.Add(file.Position);
                var text = new StringBuilder();
                for (var i = start; i < Math.Min(pages.Count, start + pagesPerStream); i++)
                {
                    text.Append(Page(pages[i], i + 1));
                    lines.Append(CultureInfo.InvariantCulture, $"{file.Position}:{i + 1}:{pages[i].Title}\n");
                }

                file.Write(Compress(Encoding.UTF8.GetBytes(text.ToString())));
            }

            file.Write(Compress(Encoding.UTF8.GetBytes(Footer)));
        }

        File.WriteAllBytes(index, Compress(Encoding.UTF8.GetBytes(lines.ToString())));
        return (dump, index, streams);
    }

    public static byte[] Compress(byte[] data)
    {
        using var output = new MemoryStream();
        using (var bzip2 = new BZip2OutputStream(output, 9) { IsStreamOwner = false })
        {
            bzip2.Write(data);
        }

        return output.ToArray();
    }

    public static string WritePageviews(string path, params string[] lines)
    {
        using var file = File.Create(path);
        using var gzip = new GZipStream(file, CompressionLevel.Fastest);
        gzip.Write(Encoding.UTF8.GetBytes(string.Join('\n', lines) + "\n"));
        return path;
    }

    /// <summary>Pages of generated prose: words from a Zipf-like vocabulary, sentences, links and templates, seeded.</summary>
    public static List<DumpPage> Generated(int count, int seed)
    {
        var random = new Random(seed);
        var vocabulary = Enumerable.Range(0, 400).Select(i => Word(i)).ToArray();
        var pages = new List<DumpPage>(count);
        for (var p = 0; p < count; p++)
        {
            var text = new StringBuilder();
            var sentences = random.Next(3, 12);
            for (var s = 0; s < sentences; s++)
            {
                var words = random.Next(4, 15);
                for (var w = 0; w < words; w++)
                {
                    var word = vocabulary[(int)(vocabulary.Length * Math.Pow(random.NextDouble(), 3))];
                    text.Append(random.Next(20) switch
                    {
                        0 => $"[[{word}|{word}]]",
                        1 => $"'''{word}'''",
                        _ => word,
                    });
                    text.Append(' ');
                }

                text.Append(random.Next(6) == 0 ? "{{cite web|title=ignored template words}}. " : ". ");
                if (random.Next(4) == 0)
                {
                    text.Append("\n== Section ==\n");
                }
            }

            var ns = random.Next(25) == 0 ? 1 : 0;
            pages.Add(new DumpPage($"Page {p}", text.ToString(), ns, random.Next(30) == 0 ? "Elsewhere" : null));
        }

        return pages;
    }

    private static string Word(int i)
    {
        var letters = "abcdefghijklmnopqrstuvwxyz";
        var word = new StringBuilder();
        var n = i + 27;
        while (n > 0)
        {
            word.Append(letters[n % 26]);
            n /= 26;
        }

        return word.ToString();
    }
}
