using Pipeline.TestServices;

namespace Pipeline.Orchestrator.Tests;

/// <summary>Progress as a user sees it: live bars on a terminal (a real pseudo-terminal, util-linux's <c>script</c>), plain lines elsewhere.</summary>
public sealed class TerminalProgressTests
{
    [Fact]
    public async Task On_a_terminal_progress_is_drawn_as_live_bars_and_elsewhere_as_plain_lines()
    {
        using var folder = new TemporaryFolder("terminal-progress");
        var store = folder.Combine("store");
        Assert.Equal(0, (await PipelineExecutable.RunAsync(["shard", "generate", store, "--samples", "400", "--shard-samples", "50", "--side", "16"])).ExitCode);

        var typescript = folder.Combine("typescript");
        using (var terminal = ManagedProcess.Start(
            "/usr/bin/script",
            ["-qec", $"dotnet {PipelineExecutable.DllPath} curate filter {store} --out {folder.Combine("live")}", typescript],
            new Dictionary<string, string> { ["CI"] = "", ["TERM"] = "xterm-256color" }))
        {
            Assert.True(await terminal.WaitForExitAsync(TimeSpan.FromMinutes(2)) == 0, terminal.Transcript());
        }

        var drawn = await File.ReadAllTextAsync(typescript);
        Assert.Contains("\u001b[?25l", drawn, StringComparison.Ordinal); // the cursor hidden while the bars are drawn
        Assert.Contains("━", drawn, StringComparison.Ordinal); // a bar
        Assert.Contains("filter: 400 samples in, 400 kept", drawn, StringComparison.Ordinal); // the result, printed above the bars

        // Not a terminal (a pipe, CI, a log): the plain lines, and no escape codes.
        var plain = await PipelineExecutable.RunAsync(["curate", "filter", store, "--out", folder.Combine("plain")], new Dictionary<string, string> { ["CI"] = "", ["TERM"] = "xterm-256color" });
        Assert.Equal(0, plain.ExitCode);
        Assert.DoesNotContain(plain.Stdout.Concat(plain.Stderr), l => l.Contains('\u001b', StringComparison.Ordinal));
        Assert.Contains(plain.Stderr, l => l.StartsWith("filter: ", StringComparison.Ordinal) && l.Contains("work items done", StringComparison.Ordinal));
        Assert.Contains(plain.Stdout, l => l.StartsWith("filter: 400 samples in, 400 kept", StringComparison.Ordinal));
    }
}
