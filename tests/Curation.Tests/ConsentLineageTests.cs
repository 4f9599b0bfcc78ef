using Pipeline.Curation.Jobs;
using Pipeline.TestServices;

namespace Pipeline.Curation.Tests;

/// <summary>Curation steps rewrite shards without losing a sample's consent record or user agent.</summary>
public sealed class ConsentLineageTests
{
    [Fact]
    public async Task Filter_and_dedup_keep_each_samples_consent_record_and_user_agent()
    {
        using var folder = new TemporaryFolder("consent-lineage");
        var (samples, _) = CurationInputs.WithDuplicates();
        var withConsent = samples.Select((s, i) => s with
        {
            Consent = $"decision=allow;robots.txt=allow;x-robots-tag=noindex;tdmrep={(i % 2 == 0 ? "none" : "unmatched")}",
            UserAgent = "PipelineBot/1.0",
        }).ToList();
        var input = Path.Combine(folder.Path, "in");
        await CurationInputs.WriteAsync(input, withConsent, perShard: 7);
        var expected = withConsent.ToDictionary(s => s.Key, s => s.Consent);

        await new CurationJob(input, input + "-filtered", new CurationSettings { Threads = 1 }, new CurationWorker(), parallel: 1).FilterAsync(CancellationToken.None);
        await new CurationJob(input + "-filtered", input + "-deduped", new CurationSettings { Threads = 1 }, new CurationWorker(), parallel: 1).DedupAsync(CancellationToken.None);

        foreach (var output in new[] { input + "-filtered", input + "-deduped" })
        {
            var kept = await CurationInputs.ReadAllAsync(output);
            Assert.NotEmpty(kept);
            Assert.All(kept, s => Assert.Equal(expected[s.Key], s.Consent));
            Assert.All(kept, s => Assert.Equal("PipelineBot/1.0", s.UserAgent));
        }
    }
}
