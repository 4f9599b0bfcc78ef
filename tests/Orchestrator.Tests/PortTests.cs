using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Pipeline.TestServices;

namespace Pipeline.Orchestrator.Tests;

/// <summary>The ports a process's silo listens on: free ones for the embedded silo, and a busy configured one as one error line.</summary>
public sealed class PortTests
{
    [Theory]
    [InlineData("silo", "doctor", false)]
    [InlineData("gateway", "campaign status demo", false)]
    [InlineData("gateway", "train status job", true)]
    public async Task A_busy_configured_port_is_one_error_line_naming_the_port_and_its_setting(string which, string command, bool fromEnvironment)
    {
        using var folder = new TemporaryFolder("busy-port");
        using var busy = new TcpListener(IPAddress.Loopback, 0);
        busy.Start();
        var port = ((IPEndPoint)busy.LocalEndpoint).Port;
        var key = which == "silo" ? "SiloPort" : "GatewayPort";
        var environment = new Dictionary<string, string>();
        List<string> arguments = [.. command.Split(' '), "--run-dir", folder.Path];
        if (fromEnvironment)
        {
            environment[$"PIPELINE_Pipeline__{key}"] = Text(port);
        }
        else
        {
            arguments.AddRange([$"--{which}-port", Text(port)]);
        }

        var result = await PipelineExecutable.RunAsync(arguments, environment);

        AssertOneErrorLine(result, $"pipeline: error: port {port} is in use (set by --{which}-port / Pipeline:{key})");
    }

    [Fact]
    public async Task A_silo_of_a_distributed_cluster_on_a_busy_port_is_one_error_line()
    {
        using var redis = await RedisServer.StartAsync();
        using var busy = new TcpListener(IPAddress.Loopback, 0);
        busy.Start();
        var port = ((IPEndPoint)busy.LocalEndpoint).Port;

        var result = await PipelineExecutable.RunAsync(
            ["silo", "--cluster", redis.ConnectionString, "--advertise", "127.0.0.1", "--silo-port", $"{FreePort.Next()}", "--gateway-port", Text(port)]);

        AssertOneErrorLine(result, $"pipeline: error: port {port} is in use (set by --gateway-port / Pipeline:GatewayPort)");
    }

    [Fact]
    public async Task Two_processes_with_their_own_run_folders_run_embedded_silos_at_once_on_ports_of_their_own()
    {
        using var folder = new TemporaryFolder("two-processes");
        var dashboardPort = FreePort.Next();
        // Neither process is given a port: the embedded silo must find its own.
        using var first = PipelineExecutable.Start(["dashboard", "--port", Text(dashboardPort), "--run-dir", folder.Combine("first")]);
        await first.WaitForOutputAsync(l => l.StartsWith("dashboard: http://", StringComparison.Ordinal), TimeSpan.FromMinutes(2));

        var second = await PipelineExecutable.RunAsync(["doctor", "--run-dir", folder.Combine("second")]);

        var printed = string.Join('\n', second.Stdout.Concat(second.Stderr));
        Assert.True(second.ExitCode == 0, $"exit code {second.ExitCode}:\n{printed}\n{first.Transcript()}");
        var cluster = Assert.Single(second.Stdout, l => DoctorOutput.IsCheck(l, "cluster"));
        var secondPort = PortAfter(cluster, "embedded silo on 127.0.0.1:");
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{dashboardPort}/") };
        using var snapshot = JsonDocument.Parse(await http.GetStringAsync(new Uri("api/snapshot", UriKind.Relative)));
        var firstSilo = snapshot.RootElement.GetProperty("silos").EnumerateArray().Single().GetProperty("address").GetString()!;
        var firstPort = PortAfter(firstSilo, "S127.0.0.1:");
        Assert.NotEqual(firstPort, secondPort);
        Assert.False(first.HasExited, first.Transcript());
        first.Terminate();
    }

    private static int PortAfter(string text, string prefix)
    {
        var start = text.IndexOf(prefix, StringComparison.Ordinal);
        Assert.True(start >= 0, $"'{prefix}' not in '{text}'");
        var digits = text[(start + prefix.Length)..].TakeWhile(char.IsAsciiDigit).ToArray();
        return int.Parse(digits, CultureInfo.InvariantCulture);
    }

    private static string Text(int port) => port.ToString(CultureInfo.InvariantCulture);

    private static void AssertOneErrorLine((int ExitCode, IReadOnlyList<string> Stdout, IReadOnlyList<string> Stderr) result, string expected)
    {
        var printed = string.Join('\n', result.Stdout.Concat(result.Stderr));
        Assert.True(result.ExitCode == 2, $"exit code {result.ExitCode}:\n{printed}");
        Assert.Equal(expected, Assert.Single(result.Stderr, l => l.Length > 0));
        Assert.DoesNotContain("Exception", printed, StringComparison.Ordinal);
        // Doctor's checks that passed before the cluster check print their "ok" lines; nothing else.
        Assert.All(result.Stdout.Where(l => l.Length > 0), l => Assert.StartsWith("ok", l, StringComparison.Ordinal));
    }
}
