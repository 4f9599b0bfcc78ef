using System.Globalization;

namespace Pipeline.TestServices;

/// <summary>
/// A real Azurite blob service (npm package azurite, installed into infra/tools by infra/setup.sh) on 127.0.0.1
/// and a free port, storing into a temporary folder. Disposing stops it and deletes the folder.
/// </summary>
public sealed class AzuriteServer : IDisposable
{
    /// <summary>Azurite's published development account key: a well-known test value, not a secret.</summary>
    private const string DevelopmentAccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private readonly TemporaryFolder _folder;
    private readonly ManagedProcess _process;

    private AzuriteServer(TemporaryFolder folder, ManagedProcess process, int port)
    {
        _folder = folder;
        _process = process;
        Port = port;
    }

    public int Port { get; }

    /// <summary>Connection string for the development account on this server.</summary>
    public string ConnectionString =>
        $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={DevelopmentAccountKey};BlobEndpoint=http://127.0.0.1:{Port}/devstoreaccount1;";

    /// <summary>Starts Azurite's blob service and waits until it listens.</summary>
    public static async Task<AzuriteServer> StartAsync()
    {
        var script = Path.Combine(RepositoryRoot(), "infra", "tools", "node_modules", "azurite", "dist", "src", "blob", "main.js");
        if (!File.Exists(script))
        {
            throw new FileNotFoundException($"Azurite is not installed at {script}; run infra/setup.sh (it installs infra/tools/package.json)");
        }

        var folder = new TemporaryFolder("azurite");
        var port = FreePort.Next();
        var process = ManagedProcess.Start("node",
        [
            script, "--blobHost", "127.0.0.1", "--blobPort", port.ToString(CultureInfo.InvariantCulture),
            "--location", folder.Path, "--skipApiVersionCheck", "--disableTelemetry", "--silent",
        ]);
        var server = new AzuriteServer(folder, process, port);
        try
        {
            await process.WaitForOutputAsync(line => line.Contains("successfully listens", StringComparison.Ordinal), TimeSpan.FromSeconds(60));
            return server;
        }
        catch
        {
            server.Dispose();
            throw;
        }
    }

    /// <summary>The folder holding Pipeline.sln, found upwards from the test's base directory.</summary>
    public static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Pipeline.sln")))
            {
                return dir.FullName;
            }
        }

        throw new DirectoryNotFoundException($"no Pipeline.sln above {AppContext.BaseDirectory}");
    }

    public void Dispose()
    {
        _process.Dispose();
        _folder.Dispose();
    }
}
