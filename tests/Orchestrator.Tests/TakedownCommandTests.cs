using System.Text.Json;
using System.Text.RegularExpressions;
using Pipeline.Curation.Tests;
using Pipeline.TestServices;

namespace Pipeline.Orchestrator.Tests;

/// <summary><c>pipeline takedown</c>: removes selected samples from a store, prints what it did, and refuses a missing store or no selector.</summary>
public sealed class TakedownCommandTests
{
    [Fact]
    public async Task Removes_by_domain_and_key_prints_a_summary_keeps_the_store_verifiable_and_queryable_and_a_rerun_removes_nothing()
    {
        using var folder = new TemporaryFolder("takedown-cli");
        var (photos, _) = CurationInputs.WithDuplicates();
        var samples = photos.Select((s, i) => s with
        {
            Consent = $"decision=allow;robots.txt=allow;{(i % 2 == 0 ? "x-robots-tag=noindex;" : "")}tdmrep=none",
            UserAgent = "PipelineBot/1.0",
        }).ToList();
        var store = folder.Combine("store");
        await CurationInputs.WriteAsync(store, samples, perShard: 4);
        var mirrored = samples.Count(s => new Uri(s.Url).Host == "mirror.example.org");

        // The four keys of the first shard empty it: it stays committed, with no row group.
        string[] selectors = ["--domain", "example.org", .. samples.Take(4).SelectMany(s => new[] { "--key", s.Key })];
        var dry = await PipelineExecutable.RunAsync(["takedown", store, .. selectors, "--dry-run"]);
        Assert.True(dry.ExitCode == 0, string.Join('\n', dry.Stdout.Concat(dry.Stderr)));
        Assert.Equal(mirrored + 5, dry.Stdout.Count(l => l.StartsWith("would remove: ", StringComparison.Ordinal)));
        Assert.Contains("nothing changed", dry.Stdout[^1], StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(store, "takedown")));

        var run = await PipelineExecutable.RunAsync(["takedown", store, .. selectors, "--reason", "ticket 7"]);
        Assert.True(run.ExitCode == 0, string.Join('\n', run.Stdout.Concat(run.Stderr)));
        // example.org's subdomains: mirror.example.org and broken.example.org.
        Assert.True(
            Regex.IsMatch(run.Stdout[^1], $@"^takedown: removed {mirrored + 5} samples from \d+ of 5 shards \(domain example\.org: {mirrored + 1}, key {samples[0].Key}: 1, .*\); log .*takedown/0001\.jsonl"),
            run.Stdout[^1]);

        var verify = await PipelineExecutable.RunAsync(["shard", "verify", store]);
        Assert.True(verify.ExitCode == 0, string.Join('\n', verify.Stdout.Concat(verify.Stderr)));
        var query = await PipelineExecutable.RunAsync(["shard", "query", store,
            "SELECT count(*) AS n, count(*) FILTER (WHERE consent LIKE '%;x-robots-tag=noindex;%') AS noindex, min(regexp_extract(consent, '(?:^|;)robots\\.txt=([^;]*)', 1)) AS robots, min(user_agent) AS ua FROM samples", "--json"]);
        Assert.True(query.ExitCode == 0, string.Join('\n', query.Stdout.Concat(query.Stderr)));
        using (var json = JsonDocument.Parse(string.Join('\n', query.Stdout)))
        {
            var row = Assert.Single(json.RootElement.EnumerateArray());
            var left = samples.Where((s, i) => i >= 4 && !s.Url.Contains("example.org", StringComparison.OrdinalIgnoreCase)).ToList();
            Assert.Equal(left.Count, row.GetProperty("n").GetInt64());
            Assert.Equal(left.Count(s => s.Consent!.Contains("x-robots-tag", StringComparison.Ordinal)), row.GetProperty("noindex").GetInt64());
            Assert.Equal("allow", row.GetProperty("robots").GetString());
            Assert.Equal("PipelineBot/1.0", row.GetProperty("ua").GetString());
        }

        using (var card = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(store, "datacard.json"))))
        {
            var takedowns = card.RootElement.GetProperty("takedowns");
            Assert.Equal(mirrored + 5, takedowns.GetProperty("samples_removed").GetInt64());
            Assert.Equal("ticket 7", takedowns.GetProperty("runs")[0].GetProperty("reason").GetString());
        }

        var again = await PipelineExecutable.RunAsync(["takedown", store, .. selectors]);
        Assert.True(again.ExitCode == 0, string.Join('\n', again.Stdout.Concat(again.Stderr)));
        Assert.Contains("nothing removed", again.Stdout[^1], StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(store, "takedown", "0002.jsonl")));
    }

    [Fact]
    public async Task A_missing_store_no_selector_or_a_bad_hash_is_one_error_line_with_exit_2()
    {
        using var folder = new TemporaryFolder("takedown-errors");

        var missing = await PipelineExecutable.RunAsync(["takedown", folder.Combine("nowhere"), "--key", "k"]);
        var none = await PipelineExecutable.RunAsync(["takedown", folder.Combine("nowhere")]);
        var badHash = await PipelineExecutable.RunAsync(["takedown", folder.Combine("nowhere"), "--phash", "zz"]);

        Assert.Equal(2, missing.ExitCode);
        Assert.Matches(@"^pipeline: error: .*manifest\.json does not exist", Assert.Single(missing.Stderr));
        Assert.Equal(2, none.ExitCode);
        Assert.Equal("pipeline: error: takedown: no selector: give at least one --url, --domain, --key or --phash", Assert.Single(none.Stderr));
        Assert.Equal(2, badHash.ExitCode);
        Assert.Contains("--phash: 'zz' is not a 64-bit hash", Assert.Single(badHash.Stderr), StringComparison.Ordinal);
    }
}
