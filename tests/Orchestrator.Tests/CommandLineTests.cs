using Pipeline.TestServices;

namespace Pipeline.Orchestrator.Tests;

/// <summary>The `pipeline` program as a user runs it: exit codes and what it prints.</summary>
public class CommandLineTests
{
    [Fact]
    public async Task Doctor_passes_every_check_on_the_embedded_default_and_keeps_grain_state_between_runs()
    {
        using var runFolder = new TemporaryFolder("doctor");
        string[] arguments = ["doctor", "--run-dir", runFolder.Path, "--silo-port", $"{FreePort.Next()}", "--gateway-port", $"{FreePort.Next()}"];

        var first = await PipelineExecutable.RunAsync(arguments);
        var second = await PipelineExecutable.RunAsync(arguments);

        Assert.True(first.ExitCode == 0, string.Join('\n', first.Stdout.Concat(first.Stderr)));
        string[] names = ["run-folder", "cluster", "grain", "torch", "netvips", "wordnet"];
        foreach (var name in names)
        {
            Assert.StartsWith("ok", Assert.Single(first.Stdout, l => DoctorOutput.IsCheck(l, name)), StringComparison.Ordinal);
        }

        Assert.Equal("doctor: all 6 checks passed", first.Stdout[^1]);
        Assert.Equal(0, second.ExitCode);
        Assert.Contains(first.Stdout, l => l.Contains("touched 1 time(s)", StringComparison.Ordinal));
        Assert.Contains(second.Stdout, l => l.Contains("touched 2 time(s)", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_unknown_flag_is_one_error_line_and_exit_code_2()
    {
        var result = await PipelineExecutable.RunAsync(["doctor", "--no-such-flag"]);

        AssertOneErrorLine(result, "--no-such-flag");
    }

    [Fact]
    public async Task An_unreachable_Redis_is_one_error_line_naming_it()
    {
        using var runFolder = new TemporaryFolder("unreachable");
        var port = FreePort.Next();

        var result = await PipelineExecutable.RunAsync(["doctor", "--cluster", $"127.0.0.1:{port}", "--run-dir", runFolder.Path]);

        AssertOneErrorLine(result, $"cannot reach the cluster's Redis at 127.0.0.1:{port}");
    }

    [Fact]
    public async Task A_cluster_without_silos_is_one_error_line_after_the_connect_timeout()
    {
        using var redis = await RedisServer.StartAsync();
        using var runFolder = new TemporaryFolder("no-silos");
        var clock = System.Diagnostics.Stopwatch.StartNew();

        var result = await PipelineExecutable.RunAsync(
            ["doctor", "--cluster", redis.ConnectionString, "--run-dir", runFolder.Path],
            new Dictionary<string, string> { ["PIPELINE_Pipeline__ConnectTimeout"] = "00:00:03" });

        AssertOneErrorLine(result, $"no silo of cluster 'pipeline' answered within 3 s (Redis {redis.ConnectionString})");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), $"took {clock.Elapsed}");
    }

    [Fact]
    public async Task A_silo_without_a_cluster_is_one_error_line()
    {
        var result = await PipelineExecutable.RunAsync(["silo"]);

        AssertOneErrorLine(result, "pass --cluster");
    }

    [Fact]
    public async Task An_unwritable_run_folder_is_one_error_line_naming_it()
    {
        using var temp = new TemporaryFolder("unwritable");
        // A folder below a regular file cannot be created, even by root.
        var blocker = temp.Combine("a-file");
        await File.WriteAllTextAsync(blocker, "not a folder");
        var runDir = Path.Combine(blocker, "run");

        var result = await PipelineExecutable.RunAsync(["doctor", "--run-dir", runDir]);

        AssertOneErrorLine(result, $"run folder '{runDir}' is not writable");
    }

    [Fact]
    public async Task A_malformed_setting_from_the_environment_is_one_error_line()
    {
        var result = await PipelineExecutable.RunAsync(["doctor"], new Dictionary<string, string> { ["PIPELINE_Pipeline__SiloPort"] = "eleven" });

        AssertOneErrorLine(result, "eleven");
    }

    [Fact]
    public async Task A_missing_configuration_file_is_one_error_line()
    {
        var result = await PipelineExecutable.RunAsync(["doctor", "--config", "/nonexistent/pipeline.json"]);

        AssertOneErrorLine(result, "configuration file '/nonexistent/pipeline.json' does not exist");
    }

    private static void AssertOneErrorLine((int ExitCode, IReadOnlyList<string> Stdout, IReadOnlyList<string> Stderr) result, string expected)
    {
        var printed = string.Join('\n', result.Stdout.Concat(result.Stderr));
        Assert.True(result.ExitCode == 2, $"exit code {result.ExitCode}:\n{printed}");
        var line = Assert.Single(result.Stderr, l => l.Length > 0);
        Assert.StartsWith("pipeline: error: ", line, StringComparison.Ordinal);
        Assert.Contains(expected, line, StringComparison.Ordinal);
        // Checks that passed before the error may have printed their "ok" lines; nothing else.
        Assert.All(result.Stdout.Where(l => l.Length > 0), l => Assert.StartsWith("ok", l, StringComparison.Ordinal));
    }
}
