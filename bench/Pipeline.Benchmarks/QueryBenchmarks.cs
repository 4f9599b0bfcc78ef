using System.Diagnostics;
using System.Globalization;
using System.Security;
using System.Text;
using System.Text.Json;
using ICSharpCode.SharpZipLib.BZip2;
using Pipeline.Curation.Queries;
using Pipeline.Curation.Wikipedia;

namespace Pipeline.Benchmarks;

/// <summary>
/// The query builder's counting pass over a generated multistream dump, beside the same run's raw decompress-and-parse
/// of the same dump (one thread each), plus peak memory and the whole build on every core.
/// </summary>
internal static class QueryBenchmarks
{
    private const int PagesPerStream = 100;
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public static async Task RunAsync(int megabytes, string folder)
    {
        Directory.CreateDirectory(folder);
        var dump = Path.Combine(folder, string.Create(CultureInfo.InvariantCulture, $"bench{megabytes}-multistream.xml.bz2"));
        var xmlBytes = File.Exists(dump + ".size") ? long.Parse(File.ReadAllText(dump + ".size"), CultureInfo.InvariantCulture) : Generate(dump, megabytes << 20);
        var wiki = WikiDump.Open(dump);
        var options = new QueryOptions();
        var partitions = wiki.Partition(options.PartitionBytes / 4, CancellationToken.None);
        Console.Error.WriteLine($"dump: {xmlBytes / 1e6:N0} MB of XML, {new FileInfo(dump).Length / 1e6:N0} MB compressed, {partitions.Count} partitions");

        // Baseline: decompress and parse every page, nothing else.
        var clock = Stopwatch.StartNew();
        long pages = 0, chars = 0;
        foreach (var partition in partitions)
        {
            foreach (var page in new DumpReader(partition).ReadPages(CancellationToken.None))
            {
                pages++;
                chars += page.Text.Length;
            }
        }

        var rawSeconds = clock.Elapsed.TotalSeconds;

        // The counting pass on one thread: the same reading plus markup stripping, tokenizing, counting and spilling.
        ResetPeakMemory();
        var work = Path.Combine(folder, "work-count");
        if (Directory.Exists(work))
        {
            Directory.Delete(work, recursive: true);
        }

        var worker = new QueryWorker();
        long tokens = 0, pairs = 0;
        var runs = 0;
        clock.Restart();
        foreach (var partition in partitions)
        {
            var result = await worker.RunAsync(new QueryWorkItem(QueryStep.Count, work, options, Partition: partition), CancellationToken.None);
            tokens += result.Tokens;
            pairs += result.Pairs;
            runs += result.Runs;
        }

        var countSeconds = clock.Elapsed.TotalSeconds;
        var countPeak = PeakMemory();
        Console.WriteLine(new BenchResult(
            string.Create(CultureInfo.InvariantCulture, $"queries.count_tokens_per_s_per_core ({xmlBytes / 1e6:N0} MB multistream dump)"),
            (int)Math.Min(int.MaxValue, tokens),
            tokens / countSeconds,
            "raw bzip2 decompress + page XML parse of the same dump, one thread (tokens / its time)",
            tokens / rawSeconds).ToJson());

        // The whole build on every core: count (resumed from above is not fair, so a fresh work folder), merge, entries.
        ResetPeakMemory();
        var full = Path.Combine(folder, "work-full");
        if (Directory.Exists(full))
        {
            Directory.Delete(full, recursive: true);
        }

        clock.Restart();
        var job = new QueryBuildJob(new QueryBuildInputs(wiki, [], null), Path.Combine(folder, "queries.parquet"), full, options, new QueryWorker(), Environment.ProcessorCount);
        var summary = await job.RunAsync(CancellationToken.None);
        var buildSeconds = clock.Elapsed.TotalSeconds;
        Console.WriteLine(JsonSerializer.Serialize(
            new
            {
                Bench = "queries.build",
                XmlMegabytes = Math.Round(xmlBytes / 1e6, 1),
                CompressedMegabytes = Math.Round(new FileInfo(dump).Length / 1e6, 1),
                Pages = pages,
                Tokens = tokens,
                Pairs = pairs,
                SpilledRuns = runs,
                RawParseMegabytesPerSecond = Math.Round(xmlBytes / 1e6 / rawSeconds, 1),
                CountMegabytesPerSecondPerCore = Math.Round(xmlBytes / 1e6 / countSeconds, 1),
                CountPeakWorkingSetMegabytes = Math.Round(countPeak / 1e6),
                Cores = Environment.ProcessorCount,
                BuildSeconds = Math.Round(buildSeconds, 1),
                BuildCountSeconds = Math.Round(summary.Seconds["count"], 1),
                BuildPeakWorkingSetMegabytes = Math.Round(PeakMemory() / 1e6),
                summary.DistinctWords,
                summary.DistinctBigrams,
                Unigrams = summary.EntriesBySource["unigram"],
                Bigrams = summary.EntriesBySource["bigram"],
                MaxEntriesInMemory = options.MaxEntriesInMemory,
            },
            Json));
    }

    /// <summary>Writes a multistream dump of about <paramref name="targetBytes"/> of XML and its index; returns the XML size.</summary>
    private static long Generate(string dump, long targetBytes)
    {
        var clock = Stopwatch.StartNew();
        var vocabulary = Vocabulary(200_000);
        var cumulative = new double[vocabulary.Length];
        var sum = 0.0;
        for (var i = 0; i < vocabulary.Length; i++)
        {
            sum += 1.0 / (i + 2.7);
            cumulative[i] = sum;
        }

        var header = Encoding.UTF8.GetBytes("<mediawiki xmlns=\"http://www.mediawiki.org/xml/export-0.11/\" version=\"0.11\" xml:lang=\"en\">\n  <siteinfo>\n    <sitename>Wikipedia</sitename>\n  </siteinfo>\n");
        var streams = (int)(targetBytes / (PagesPerStream * 2400L)) + 1;
        var index = new StringBuilder();
        long xml = header.Length;
        using (var file = File.Create(dump))
        {
            file.Write(WikiCompress(header));
            const int Batch = 64;
            for (var first = 0; first < streams; first += Batch)
            {
                var count = Math.Min(Batch, streams - first);
                var texts = new byte[count][];
                var compressed = new byte[count][];
                Parallel.For(0, count, s =>
                {
                    texts[s] = Encoding.UTF8.GetBytes(Pages(first + s, vocabulary, cumulative, sum));
                    compressed[s] = WikiCompress(texts[s]);
                });
                for (var s = 0; s < count; s++)
                {
                    for (var p = 0; p < PagesPerStream; p++)
                    {
                        var id = ((first + s) * PagesPerStream) + p + 1;
                        index.Append(CultureInfo.InvariantCulture, $"{file.Position}:{id}:Article {id}\n");
                    }

                    file.Write(compressed[s]);
                    xml += texts[s].Length;
                }

                Console.Error.Write($"\rgenerating: {xml / 1e6:N0} of {targetBytes / 1e6:N0} MB of XML");
            }

            file.Write(WikiCompress("</mediawiki>\n"u8.ToArray()));
        }

        File.WriteAllBytes(dump.Replace("-multistream.xml.bz2", "-multistream-index.txt.bz2", StringComparison.Ordinal), WikiCompress(Encoding.UTF8.GetBytes(index.ToString())));
        File.WriteAllText(dump + ".size", xml.ToString(CultureInfo.InvariantCulture));
        Console.Error.WriteLine($"\rgenerated {xml / 1e6:N0} MB of XML in {clock.Elapsed.TotalSeconds:N0} s");
        return xml;
    }

    private static string Pages(int stream, string[] vocabulary, double[] cumulative, double sum)
    {
        var random = new Random(stream);
        var page = new StringBuilder();
        var text = new StringBuilder();
        for (var p = 0; p < PagesPerStream; p++)
        {
            var id = (stream * PagesPerStream) + p + 1;
            text.Clear();
            var paragraphs = random.Next(2, 6);
            for (var g = 0; g < paragraphs; g++)
            {
                var sentences = random.Next(3, 9);
                for (var s = 0; s < sentences; s++)
                {
                    var words = random.Next(6, 22);
                    for (var w = 0; w < words; w++)
                    {
                        var word = vocabulary[Pick(random, cumulative, sum)];
                        text.Append(random.Next(40) switch
                        {
                            3 or 4 => Phrase(random, vocabulary),
                            0 => $"[[{word} {vocabulary[Pick(random, cumulative, sum)]}|{word}]]",
                            1 => $"[[{word}]]",
                            2 => $"'''{word}'''",
                            _ => word,
                        }).Append(' ');
                    }

                    text.Append(random.Next(8) == 0 ? ".<ref>{{cite web|url=https://example.org/" + id + "|title=Source}}</ref> " : ". ");
                }

                text.Append(random.Next(3) == 0 ? "\n{{Infobox thing|name=x|size=12}}\n== Section ==\n" : "\n\n");
            }

            var ns = random.Next(20) == 0 ? 1 : 0;
            page.Append(CultureInfo.InvariantCulture, $"  <page>\n    <title>Article {id}</title>\n    <ns>{ns}</ns>\n    <id>{id}</id>\n    <revision>\n      <id>{id}</id>\n      <model>wikitext</model>\n      <format>text/x-wiki</format>\n      <text xml:space=\"preserve\">")
                .Append(SecurityElement.Escape(text.ToString()))
                .Append("</text>\n    </revision>\n  </page>\n");
        }

        return page.ToString();
    }

    /// <summary>One of 5,000 fixed two-word phrases (word ranks 100 to 5,099 paired with their mirror), so the dump has collocations.</summary>
    private static string Phrase(Random random, string[] vocabulary)
    {
        var i = random.Next(5000);
        return vocabulary[100 + i] + " " + vocabulary[vocabulary.Length - 1 - i];
    }

    private static int Pick(Random random, double[] cumulative, double sum)
    {
        var found = Array.BinarySearch(cumulative, random.NextDouble() * sum);
        return Math.Min(cumulative.Length - 1, found < 0 ? ~found : found);
    }

    private static string[] Vocabulary(int size)
    {
        var random = new Random(1);
        var words = new HashSet<string>(StringComparer.Ordinal);
        const string Consonants = "bcdfghjklmnprstvwz";
        const string Vowels = "aeiou";
        while (words.Count < size)
        {
            var syllables = 1 + (int)Math.Min(4, -Math.Log(random.NextDouble()) * 1.2);
            var word = new StringBuilder();
            for (var s = 0; s < syllables; s++)
            {
                word.Append(Consonants[random.Next(Consonants.Length)]).Append(Vowels[random.Next(Vowels.Length)]);
                if (random.Next(3) == 0)
                {
                    word.Append(Consonants[random.Next(Consonants.Length)]);
                }
            }

            words.Add(random.Next(10) == 0 ? char.ToUpperInvariant(word[0]) + word.ToString(1, word.Length - 1) : word.ToString());
        }

        return [.. words];
    }

    private static byte[] WikiCompress(byte[] data)
    {
        using var output = new MemoryStream();
        using (var bzip2 = new BZip2OutputStream(output, 9) { IsStreamOwner = false })
        {
            bzip2.Write(data);
        }

        return output.ToArray();
    }

    private static void ResetPeakMemory()
    {
        // Linux resets the peak resident set size (VmHWM) when 5 is written here.
        GC.Collect();
        try
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
        }
        catch (IOException)
        {
            // Not Linux, or not allowed: the peak then covers the whole process.
        }
        catch (UnauthorizedAccessException)
        {
            // As above.
        }
    }

    private static long PeakMemory()
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
            {
                return long.Parse(line[6..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
            }
        }

        return Process.GetCurrentProcess().PeakWorkingSet64;
    }
}
