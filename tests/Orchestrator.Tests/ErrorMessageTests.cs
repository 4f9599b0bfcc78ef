using Pipeline.TestServices;

namespace Pipeline.Orchestrator.Tests;

/// <summary>Failures inside library code reach the user as one line that names the file, never a .NET exception type.</summary>
public sealed class ErrorMessageTests
{
    [Fact]
    public async Task A_corrupt_shard_manifest_is_named_without_an_exception_type()
    {
        using var folder = new TemporaryFolder("corrupt-manifest");
        var manifest = folder.Combine("manifest.json");
        await File.WriteAllTextAsync(manifest, "{\"shards\": [");

        var result = await PipelineExecutable.RunAsync(["shard", "verify", folder.Path]);

        AssertOneErrorLineNaming(result, 1, manifest);
    }

    [Fact]
    public async Task A_corrupt_match_summary_is_named_without_an_exception_type()
    {
        using var folder = new TemporaryFolder("corrupt-summary");
        var summary = folder.Combine("matches", "match-summary.json");
        Directory.CreateDirectory(Path.GetDirectoryName(summary)!);
        await File.WriteAllTextAsync(summary, "garbage");

        var result = await PipelineExecutable.RunAsync(["curate", "balance", "--matches", folder.Combine("matches"), "--out", folder.Combine("balanced")]);

        AssertOneErrorLineNaming(result, 2, summary);
    }

    [Fact]
    public async Task An_entry_file_that_is_not_Parquet_is_named_without_an_exception_type()
    {
        using var folder = new TemporaryFolder("not-parquet");
        var entries = folder.Combine("entries.parquet");
        await File.WriteAllTextAsync(entries, "{\"not\": \"parquet\"}");

        var result = await PipelineExecutable.RunAsync(["queries", "stats", entries]);

        AssertOneErrorLineNaming(result, 2, "entries.parquet");
    }

    private static void AssertOneErrorLineNaming((int ExitCode, IReadOnlyList<string> Stdout, IReadOnlyList<string> Stderr) result, int exitCode, string file)
    {
        var printed = string.Join('\n', result.Stdout.Concat(result.Stderr));
        Assert.True(result.ExitCode == exitCode, $"exit code {result.ExitCode}:\n{printed}");
        var line = Assert.Single(result.Stderr, l => l.Length > 0);
        Assert.StartsWith("pipeline: error: ", line, StringComparison.Ordinal);
        Assert.Contains(file, line, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", line, StringComparison.Ordinal);
    }
}
