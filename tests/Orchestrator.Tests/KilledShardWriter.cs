namespace Pipeline.Orchestrator.Tests;

/// <summary>Runs <c>pipeline shard generate</c> and SIGKILLs it while it writes a shard, as a crash or an OOM kill would.</summary>
internal static class KilledShardWriter
{
    /// <summary>Starts <paramref name="generate"/>, waits for its first commit and kills it once a next shard is staged in <paramref name="store"/>.</summary>
    public static async Task RunAsync(string[] generate, string store)
    {
        using var writer = PipelineExecutable.Start(generate);
        await writer.WaitForOutputAsync(line => line.Contains(" committed:", StringComparison.Ordinal), TimeSpan.FromSeconds(120));
        // Kill while the next shard is being written: its staging file exists.
        var shards = Path.Combine(store, "shards");
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!Directory.EnumerateFiles(shards, ".tmp-*").Any() && DateTime.UtcNow < deadline)
        {
            await Task.Delay(2);
        }

        Assert.False(writer.HasExited, writer.Transcript());
        writer.KillHard();
        await writer.WaitForExitAsync(TimeSpan.FromSeconds(10));
    }
}
