using System.Globalization;
using System.Text.Json;
using Pipeline.Sharding.Storage;
using Pipeline.TestServices;
using Pipeline.Trainer.Synthetic;
using Xunit.Abstractions;

namespace Pipeline.Orchestrator.Tests;

/// <summary><c>pipeline train start|status|stop</c>: a job of the training-job grain, stopped and resumed from its checkpoint.</summary>
public sealed class TrainJobCommandTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_job_stopped_mid_run_resumes_from_its_checkpoint_and_status_reports_each_phase()
    {
        using var folder = new TemporaryFolder();
        var shards = folder.Combine("shards");
        await ShapesDataset.WriteShardsAsync(new LocalFolderStore(shards), 200, 32, seed: 8, shardSamples: 50, CancellationToken.None);
        var run = folder.Combine("run");
        var cluster = new[] { "--run-dir", folder.Combine("state"), "--silo-port", $"{FreePort.Next()}", "--gateway-port", $"{FreePort.Next()}" };
        string[] Start() => ["train", "start", "shapes", "--shards", shards, "--out", run, "--steps", "300", "--batch", "16", "--warmup", "5", "--checkpoint-every", "10", "--log-every", "1", .. cluster];

        using (var first = PipelineExecutable.Start(Start()))
        {
            await first.WaitForOutputAsync(l => l.StartsWith("train shapes: running, step ", StringComparison.Ordinal) && StepOf(l) >= 20, TimeSpan.FromMinutes(3));
            first.Terminate();
            Assert.NotEqual(0, await first.WaitForExitAsync(TimeSpan.FromMinutes(1)));
            await Task.Delay(100);
            Assert.Contains(first.StandardOutput, l => l.StartsWith("train shapes: stopped;", StringComparison.Ordinal));
        }

        var stopped = await StatusAsync(cluster);
        Assert.Equal("stopped", stopped.GetProperty("phase").GetString(), StringComparer.OrdinalIgnoreCase);
        var stoppedAt = stopped.GetProperty("step").GetInt32();
        Assert.InRange(stoppedAt, 20, 299);

        var resumed = await PipelineExecutable.RunAsync(Start(), timeoutSeconds: 300);
        output.WriteLine(string.Join('\n', resumed.Stdout));
        Assert.True(resumed.ExitCode == 0, string.Join('\n', resumed.Stderr.TakeLast(20)));
        Assert.Contains(resumed.Stdout, l => l.StartsWith("train shapes: completed, step 300/300", StringComparison.Ordinal));

        var completed = await StatusAsync(cluster);
        Assert.Equal("completed", completed.GetProperty("phase").GetString(), StringComparer.OrdinalIgnoreCase);
        Assert.Equal(300, completed.GetProperty("step").GetInt32());

        // Resumed from a checkpoint, not from scratch: every step is in the metrics once, 1 to 300.
        var steps = File.ReadLines(Path.Combine(run, "metrics.jsonl")).Select(l => JsonDocument.Parse(l).RootElement)
            .Where(e => e.TryGetProperty("loss", out _)).Select(e => e.GetProperty("step").GetInt32()).ToList();
        Assert.Equal(Enumerable.Range(1, 300), steps);

        var stopAgain = await PipelineExecutable.RunAsync(["train", "stop", "shapes", .. cluster]);
        Assert.Equal(0, stopAgain.ExitCode);
        Assert.Contains(stopAgain.Stdout, l => l.StartsWith("train shapes: completed", StringComparison.Ordinal));

        var unknown = await PipelineExecutable.RunAsync(["train", "status", "nope", .. cluster]);
        Assert.Equal(2, unknown.ExitCode);
        Assert.Contains(unknown.Stderr, l => l.Contains("no training job named 'nope'", StringComparison.Ordinal));
    }

    private static int StepOf(string line) =>
        int.Parse(line["train shapes: running, step ".Length..].Split('/')[0], CultureInfo.InvariantCulture);

    private static async Task<JsonElement> StatusAsync(string[] cluster)
    {
        var status = await PipelineExecutable.RunAsync(["train", "status", "shapes", "--json", .. cluster]);
        Assert.True(status.ExitCode == 0, string.Join('\n', status.Stderr));
        return JsonDocument.Parse(Assert.Single(status.Stdout)).RootElement;
    }
}
