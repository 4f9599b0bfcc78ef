using Pipeline.Sharding.Manifest;
using Pipeline.Sharding.Storage;

namespace Pipeline.Orchestrator.Tests;

/// <summary>
/// Runs <c>pipeline shard generate</c> and SIGKILLs it between publishing a shard and committing it, as a crash or
/// an OOM kill would. The kill lands there by construction, not by timing: the first shard is committed by a
/// run of its own, then this process holds the manifest's lock, so the writer stops at its next commit.
/// </summary>
internal static class KilledShardWriter
{
    /// <summary>
    /// Commits the first shard of <paramref name="generate"/>, then runs it whole and kills it once its second
    /// shard is published but not in the manifest. Leaves one committed shard and one leftover in <paramref name="store"/>.
    /// </summary>
    public static async Task RunAsync(string[] generate, string store)
    {
        var shardSamples = generate[Array.IndexOf(generate, "--shard-samples") + 1];
        string[] firstShard = [.. generate];
        firstShard[Array.IndexOf(generate, "--samples") + 1] = shardSamples;
        var first = await PipelineExecutable.RunAsync(firstShard);
        Assert.True(first.ExitCode == 0, string.Join('\n', first.Stdout.Concat(first.Stderr)));
        var manifests = new ManifestStore(new LocalFolderStore(store));
        var committed = (await manifests.LoadAsync(CancellationToken.None)).Shards.Select(s => s.Path).ToHashSet();

        // The writer's manifest commit waits for this lock (up to 30 s) and finds it held.
        await using var manifestLock = new FileStream(Path.Combine(store, ManifestStore.ManifestPath + ".lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        using var writer = PipelineExecutable.Start(generate);
        var shards = Path.Combine(store, "shards");
        var deadline = DateTime.UtcNow.AddSeconds(120);
        while (!Directory.EnumerateFiles(shards, "*.parquet").Any(f => !Path.GetFileName(f).StartsWith('.') && !committed.Contains($"shards/{Path.GetFileName(f)}"))
            && !writer.HasExited && DateTime.UtcNow < deadline)
        {
            await Task.Delay(10);
        }

        Assert.False(writer.HasExited, writer.Transcript());
        Assert.True(DateTime.UtcNow < deadline, $"no shard was published within 120 s\n{writer.Transcript()}");
        writer.KillHard();
        await writer.WaitForExitAsync(TimeSpan.FromSeconds(10));
    }
}
