using StackExchange.Redis;

namespace Pipeline.TestServices;

/// <summary>
/// A real <c>redis-server</c> (Debian's package, installed by infra/setup.sh) on 127.0.0.1 and a free port,
/// with its data and append-only file in a temporary folder. Disposing stops it and deletes the folder.
/// </summary>
public sealed class RedisServer : IDisposable
{
    private readonly TemporaryFolder _folder;
    private readonly ManagedProcess _process;

    private RedisServer(TemporaryFolder folder, ManagedProcess process, int port)
    {
        _folder = folder;
        _process = process;
        Port = port;
    }

    public int Port { get; }

    /// <summary>StackExchange.Redis connection string for this server.</summary>
    public string ConnectionString => $"127.0.0.1:{Port}";

    /// <summary>Starts the server and waits until it answers PING.</summary>
    public static async Task<RedisServer> StartAsync(string executable = "redis-server")
    {
        var path = FindExecutable(executable);
        var folder = new TemporaryFolder("redis");
        var port = FreePort.Next();
        var process = ManagedProcess.Start(path,
        [
            "--bind", "127.0.0.1", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--dir", folder.Path, "--appendonly", "yes", "--save", "", "--daemonize", "no",
            "--protected-mode", "yes", "--loglevel", "warning",
        ]);
        var server = new RedisServer(folder, process, port);
        try
        {
            await server.WaitUntilReadyAsync(TimeSpan.FromSeconds(15));
            return server;
        }
        catch
        {
            server.Dispose();
            throw;
        }
    }

    private async Task WaitUntilReadyAsync(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"redis-server exited with {_process.ExitCode}.\n{_process.Transcript()}");
            }

            try
            {
                await using var connection = await ConnectionMultiplexer.ConnectAsync($"{ConnectionString},connectTimeout=1000,abortConnect=true");
                await connection.GetDatabase().PingAsync();
                return;
            }
            catch (RedisConnectionException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(100);
            }
        }
    }

    private static string FindExecutable(string name)
    {
        if (Path.IsPathRooted(name))
        {
            return name;
        }

        foreach (var directory in (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin").Split(':').Append("/usr/bin").Append("/usr/sbin"))
        {
            var candidate = Path.Combine(directory, name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new FileNotFoundException($"'{name}' not found on PATH; infra/setup.sh installs Debian's redis-server");
    }

    public void Dispose()
    {
        _process.Dispose();
        _folder.Dispose();
    }
}
