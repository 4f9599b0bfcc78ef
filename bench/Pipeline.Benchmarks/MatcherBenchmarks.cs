using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Pipeline.Curation.Matching;
using Pipeline.Curation.WordNet;
using Pipeline.TestServices;

namespace Pipeline.Benchmarks;

/// <summary>
/// The caption matcher against 500k entries (WordNet head names plus generated two-word entries) over generated
/// captions: build time and memory; captions/s on one core beside a plain scan of the same characters; and
/// beside MetaCLIP's own matcher (pyahocorasick, Debian's python3-ahocorasick) on the same captions in the same
/// run, checking that both find identical matches.
/// </summary>
internal static class MatcherBenchmarks
{
    public static async Task RunAsync(TemporaryFolder temp, int entryCount, int captionCount)
    {
        var (entries, vocabulary) = await MakeEntriesAsync(entryCount);
        var captions = MakeCaptions(vocabulary, captionCount);
        var entriesPath = temp.Combine("entries.json");
        var captionsPath = temp.Combine("captions.txt");
        await File.WriteAllTextAsync(entriesPath, JsonSerializer.Serialize(entries));
        await File.WriteAllTextAsync(captionsPath, string.Join('\n', captions) + "\n");
        var chars = captions.Sum(c => (long)c.Length);

        var before = GC.GetTotalMemory(forceFullCollection: true);
        var matcher = EntryMatcher.Build(entries);
        var after = GC.GetTotalMemory(forceFullCollection: true);
        Console.WriteLine(JsonSerializer.Serialize(new
        {
            bench = "matcher.build",
            entries = entries.Count,
            seconds = Math.Round(matcher.BuildTime.TotalSeconds, 3),
            states = matcher.States,
            automaton_mb = Math.Round(matcher.MemoryBytes / 1048576.0, 1),
            managed_heap_growth_mb = Math.Round((after - before) / 1048576.0, 1),
        }));

        // Baseline: one pass over the same characters doing the least per character (a checksum).
        var plain = Best(3, () =>
        {
            ulong sum = 0;
            foreach (var caption in captions)
            {
                foreach (var c in caption)
                {
                    sum = (sum * 31) + c;
                }
            }

            return sum;
        });
        var results = new int[captions.Length][];
        var found = new List<int>();
        var ours = Best(3, () =>
        {
            for (var i = 0; i < captions.Length; i++)
            {
                matcher.Match(captions[i], found);
                results[i] = [.. found];
            }

            return 0UL;
        });
        var matched = results.Count(r => r.Length > 0);
        Console.WriteLine(new BenchResult("matcher.captions_per_second_one_core", captions.Length, Math.Round(captions.Length / ours, 1), "plain scan of the same characters, one core", Math.Round(captions.Length / plain, 1)).ToJson());

        var parallel = Best(3, () =>
        {
            Parallel.For(0, captions.Length, () => new List<int>(), (i, _, list) => { matcher.Match(captions[i], list); return list; }, _ => { });
            return 0UL;
        });
        Console.WriteLine(new BenchResult($"matcher.captions_per_second_{Environment.ProcessorCount}_cores", captions.Length, Math.Round(captions.Length / parallel, 1), "the same matcher on one core", Math.Round(captions.Length / ours, 1)).ToJson());

        var theirs = await RunPyAhoCorasickAsync(temp, entriesPath, captionsPath);
        var differing = 0;
        var lines = await File.ReadAllLinesAsync(theirs.MatchesPath);
        for (var i = 0; i < captions.Length; i++)
        {
            if (lines[i] != string.Join(',', results[i]))
            {
                differing++;
            }
        }

        Console.WriteLine(new BenchResult("matcher.vs_pyahocorasick_one_core", captions.Length, Math.Round(captions.Length / ours, 1), "MetaCLIP's matcher (pyahocorasick + spacing), one core", Math.Round(captions.Length / theirs.MatchSeconds, 1)).ToJson());
        Console.WriteLine(JsonSerializer.Serialize(new
        {
            bench = "matcher.agreement_with_pyahocorasick",
            captions = captions.Length,
            captions_with_matches = matched,
            matches = results.Sum(r => (long)r.Length),
            captions_differing = differing,
            identical = differing == 0,
            average_caption_chars = Math.Round(chars / (double)captions.Length, 1),
            pyahocorasick_build_seconds = Math.Round(theirs.BuildSeconds, 3),
        }));
    }

    private static double Best(int runs, Func<ulong> run)
    {
        var best = double.MaxValue;
        ulong sink = 0;
        for (var r = 0; r < runs; r++)
        {
            var clock = Stopwatch.StartNew();
            sink ^= run();
            best = Math.Min(best, clock.Elapsed.TotalSeconds);
        }

        GC.KeepAlive(sink);
        return best;
    }

    internal static async Task<(List<string> Entries, string[] Vocabulary)> MakeEntriesAsync(int count)
    {
        var wordNet = WordNetLocator.Locate();
        var entries = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var words = new HashSet<string>(StringComparer.Ordinal);
        foreach (var pos in new[] { "noun", "verb", "adj", "adv" })
        {
            await foreach (var synset in wordNet.ReadSynsetsAsync(pos, CancellationToken.None))
            {
                if (seen.Add(synset.HeadName))
                {
                    entries.Add(synset.HeadName);
                }

                foreach (var lemma in synset.Lemmas)
                {
                    words.UnionWith(lemma.Split('_'));
                }
            }
        }

        var vocabulary = words.Order(StringComparer.Ordinal).ToArray();
        var random = new Random(42);
        while (entries.Count < count)
        {
            var generated = vocabulary[random.Next(vocabulary.Length)] + " " + vocabulary[random.Next(vocabulary.Length)];
            if (seen.Add(generated))
            {
                entries.Add(generated);
            }
        }

        return (entries, vocabulary);
    }

    /// <summary>Captions of 6 to 15 words, about a third from WordNet's vocabulary, with punctuation and some capitals.</summary>
    internal static string[] MakeCaptions(string[] vocabulary, int count)
    {
        string[] filler = ["a", "the", "of", "in", "with", "photo", "image", "stock", "on", "and", "for", "view", "my", "new", "best", "2019", "HD", "free"];
        string[] punctuation = ["", "", "", ",", ".", "!", ":", "?", " -", "'s"];
        var random = new Random(7);
        var captions = new string[count];
        var builder = new StringBuilder();
        for (var i = 0; i < count; i++)
        {
            builder.Clear();
            var words = random.Next(6, 16);
            for (var w = 0; w < words; w++)
            {
                var word = random.Next(3) == 0 ? vocabulary[random.Next(vocabulary.Length)] : filler[random.Next(filler.Length)];
                if (random.Next(10) == 0)
                {
                    word = char.ToUpperInvariant(word[0]) + word[1..];
                }

                builder.Append(w == 0 ? "" : " ").Append(word).Append(punctuation[random.Next(punctuation.Length)]);
            }

            captions[i] = builder.ToString();
        }

        return captions;
    }

    private static async Task<(double BuildSeconds, double MatchSeconds, string MatchesPath)> RunPyAhoCorasickAsync(TemporaryFolder temp, string entriesPath, string captionsPath)
    {
        var script = Path.Combine(AppContext.BaseDirectory, "metaclip_match.py");
        var matchesPath = temp.Combine("pyahocorasick-matches.txt");
        // Debian's interpreter, where python3-ahocorasick is installed: a python3 earlier on PATH (pyenv) would not see it.
        var start = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { script, entriesPath, captionsPath, matchesPath })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start python3");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"MetaCLIP's matcher failed (is python3-ahocorasick installed? infra/setup.sh installs it): {await error}");
        }

        using var result = JsonDocument.Parse(await output);
        return (result.RootElement.GetProperty("build_seconds").GetDouble(), result.RootElement.GetProperty("match_seconds").GetDouble(), matchesPath);
    }
}
