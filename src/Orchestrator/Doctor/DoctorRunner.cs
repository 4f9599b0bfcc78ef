using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Pipeline.Crawler.Images;
using Pipeline.Curation.WordNet;
using Pipeline.Orchestrator.Grains.Diagnostics;
using Pipeline.Orchestrator.Hosting;
using Pipeline.Sharding.Settings;
using Pipeline.Trainer.Runtime;

namespace Pipeline.Orchestrator.Doctor;

/// <summary>
/// Checks that every part the pipeline relies on works on this machine: the run folder, the cluster, a stateful
/// grain, TorchSharp, NetVips and WordNet. Each check runs even if an earlier one failed, and prints one line;
/// a <see cref="PipelineConfigurationException"/> is not a failed check but stops the run.
/// </summary>
public sealed class DoctorRunner(PipelineOptions options, RunFolder runFolder, string? wordNetDirectory, TextWriter output)
{
    /// <summary>Runs the checks in order; the cluster checks use <paramref name="startCluster"/> to get a started host.</summary>
    public async Task<IReadOnlyList<DoctorCheck>> RunAsync(Func<CancellationToken, Task<IHost>> startCluster, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(startCluster);
        var checks = new List<DoctorCheck>();

        checks.Add(await MeasureAsync("run-folder", async () =>
        {
            var written = $"doctor check {DateTimeOffset.UtcNow:O} pid {Environment.ProcessId}";
            var read = await runFolder.RoundTripAsync(Path.Combine("doctor", "last-check.txt"), written, cancellationToken);
            return read == written
                ? $"{runFolder.Root} (wrote and read back {read.Length} bytes)"
                : throw new InvalidOperationException($"read back different content from {runFolder.Root}");
        }));

        IHost? host = null;
        try
        {
            checks.Add(await MeasureAsync("cluster", async () =>
            {
                host = await startCluster(cancellationToken);
                if (options.IsDistributed)
                {
                    return $"client connected to cluster '{options.ClusterId}' through Redis {options.Cluster}";
                }

                // The embedded silo's ports are picked at start unless configured; print the ones it got.
                var silo = host.Services.GetRequiredService<ILocalSiloDetails>();
                return $"embedded silo on {silo.SiloAddress.Endpoint}, gateway port {silo.GatewayAddress?.Endpoint.Port} (localhost clustering, file grain storage)";
            }));

            checks.Add(await MeasureAsync("grain", async () =>
            {
                var grains = (host ?? throw new InvalidOperationException("no cluster to call (see the cluster check)")).Services.GetRequiredService<IGrainFactory>();
                var receipt = await grains.GetGrain<IProbeGrain>("doctor").Touch($"doctor pid {Environment.ProcessId}").WaitAsync(cancellationToken);
                return $"probe '{receipt.Key}' touched {receipt.Touches} time(s) in persisted state, served by {receipt.Silo}";
            }));
        }
        finally
        {
            if (host is not null)
            {
                await host.StopAsync(CancellationToken.None);
                host.Dispose();
            }
        }

        checks.Add(await MeasureAsync("torch", () =>
        {
            var result = TorchSelfTest.Run(seed: 7);
            return Task.FromResult(string.Create(CultureInfo.InvariantCulture,
                $"TorchSharp on {result.Device}: {result.Parameters} parameters, loss {result.Loss:0.000}, gradient norm {result.GradientNorm:0.000}"));
        }));

        checks.Add(await MeasureAsync("netvips", () =>
        {
            var source = TestPattern.GradientJpeg(640, 480);
            var image = new ImageProcessor(new ImageOptions { Size = 128, ResizeMode = ResizeMode.KeepRatioLargest }).Process(source);
            return Task.FromResult(
                $"libvips {ImageProcessor.LibvipsVersion}: {image.OriginalWidth}x{image.OriginalHeight} JPEG resized to {image.Width}x{image.Height} ({image.Bytes.Length} bytes)");
        }));

        checks.Add(await MeasureAsync("wordnet", async () =>
        {
            var folder = WordNetLocator.Locate(wordNetDirectory);
            var nouns = await folder.CountSynsetsAsync("noun", cancellationToken);
            return $"{folder.Directory} ({nouns} noun synsets)";
        }));

        return checks;
    }

    private async Task<DoctorCheck> MeasureAsync(string name, Func<Task<string>> check)
    {
        var clock = Stopwatch.StartNew();
        DoctorCheck result;
        try
        {
            result = new DoctorCheck(name, true, await check(), clock.Elapsed);
        }
        // A configuration error (unreachable Redis, no silo answering) ends the run as one error line instead.
        catch (Exception ex) when (ex is not OperationCanceledException and not PipelineConfigurationException)
        {
            result = new DoctorCheck(name, false, Describe(ex), clock.Elapsed);
        }

        await output.WriteLineAsync(result.ToLine());
        await output.FlushAsync();
        return result;
    }

    /// <summary>The innermost useful message, on one line and without its .NET type name: type initialisers and hosts wrap the real cause.</summary>
    private static string Describe(Exception ex)
    {
        while (ex is TypeInitializationException or AggregateException && ex.InnerException is not null)
        {
            ex = ex.InnerException;
        }

        return ex.Message.ReplaceLineEndings(" ");
    }
}
