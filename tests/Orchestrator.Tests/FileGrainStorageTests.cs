using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;
using Pipeline.Orchestrator.Grains.Diagnostics;
using Pipeline.Orchestrator.Hosting;
using Pipeline.Sharding.Settings;
using Pipeline.TestServices;

namespace Pipeline.Orchestrator.Tests;

public class FileGrainStorageTests
{
    [Fact]
    public async Task Grain_state_survives_a_restart_of_the_embedded_silo()
    {
        using var temp = new TemporaryFolder("embedded");

        using (var runFolder = RunFolder.Open(temp.Path, exclusive: true))
        {
            using var host = await EmbeddedSilo.StartAsync(runFolder);
            var probe = host.Services.GetRequiredService<IGrainFactory>().GetGrain<IProbeGrain>("restart");
            await probe.Touch("one");
            await probe.Touch("two");
            var receipt = await probe.Touch("three");
            Assert.Equal(3, receipt.Touches);
            await host.StopAsync();
        }

        using (var runFolder = RunFolder.Open(temp.Path, exclusive: true))
        {
            using var host = await EmbeddedSilo.StartAsync(runFolder);
            var probe = host.Services.GetRequiredService<IGrainFactory>().GetGrain<IProbeGrain>("restart");

            var read = await probe.Read();
            Assert.Equal((3L, "three"), (read.Touches, read.LastNote));
            Assert.Equal(4, (await probe.Touch("four")).Touches);
            await host.StopAsync();
        }
    }

    [Fact]
    public async Task A_write_with_a_stale_ETag_is_rejected_and_changes_nothing()
    {
        await using var run = await EmbeddedRun.StartAsync("etag");
        var storage = run.Storage;
        var grainId = GrainId.Create("probe", "etag");

        var first = new GrainState<ProbeState>(new ProbeState { Touches = 1 });
        await storage.WriteStateAsync("probe", grainId, first);

        var reader = new GrainState<ProbeState>();
        await storage.ReadStateAsync("probe", grainId, reader);
        var stale = new GrainState<ProbeState>(new ProbeState { Touches = 99 }) { ETag = reader.ETag };

        reader.State!.Touches = 2;
        await storage.WriteStateAsync("probe", grainId, reader);
        var error = await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync("probe", grainId, stale));

        Assert.Contains("stale write", error.Message, StringComparison.Ordinal);
        var check = new GrainState<ProbeState>();
        await storage.ReadStateAsync("probe", grainId, check);
        Assert.Equal(2, check.State!.Touches);
        Assert.Equal(reader.ETag, check.ETag);
        Assert.True(check.RecordExists);
    }

    [Fact]
    public async Task Clearing_removes_the_file_and_later_rejects_writers_holding_the_old_ETag()
    {
        await using var run = await EmbeddedRun.StartAsync("clear");
        var storage = run.Storage;
        var grainId = GrainId.Create("probe", "clear");
        var state = new GrainState<ProbeState>(new ProbeState { Touches = 5 });
        await storage.WriteStateAsync("probe", grainId, state);
        var oldHolder = new GrainState<ProbeState>(new ProbeState { Touches = 6 }) { ETag = state.ETag };

        await storage.ClearStateAsync("probe", grainId, state);

        Assert.False(File.Exists(storage.PathFor("probe", grainId)));
        Assert.False(state.RecordExists);
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync("probe", grainId, oldHolder));
        var fresh = new GrainState<ProbeState>();
        await storage.ReadStateAsync("probe", grainId, fresh);
        Assert.Equal((false, 0L), (fresh.RecordExists, fresh.State!.Touches));
    }

    [Fact]
    public async Task A_damaged_state_file_is_reported_with_its_path_and_offset()
    {
        await using var run = await EmbeddedRun.StartAsync("damaged");
        var storage = run.Storage;
        var grainId = GrainId.Create("probe", "damaged");
        await storage.WriteStateAsync("probe", grainId, new GrainState<ProbeState>(new ProbeState { Touches = 7, LastNote = "a note long enough to cut" }));
        var path = storage.PathFor("probe", grainId);
        var bytes = await File.ReadAllBytesAsync(path);
        await File.WriteAllBytesAsync(path, bytes[..^10]);

        var error = await Assert.ThrowsAsync<InvalidDataException>(() => storage.ReadStateAsync("probe", grainId, new GrainState<ProbeState>()));

        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        Assert.Contains("at offset", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Keys_with_any_characters_map_to_distinct_files_inside_the_folder()
    {
        await using var run = await EmbeddedRun.StartAsync("keys");
        var storage = run.Storage;
        string[] keys = ["../../escape", "a/b", "a%2Fb", "ünïcödé", new string('k', 500), new string('k', 499) + "j", ".hidden"];

        var paths = keys.Select(k => storage.PathFor("probe", GrainId.Create("probe", k))).ToList();

        Assert.Equal(keys.Length, paths.Distinct().Count());
        Assert.All(paths, p =>
        {
            Assert.StartsWith(storage.RootDirectory + Path.DirectorySeparatorChar, p, StringComparison.Ordinal);
            Assert.True(Path.GetFileName(p).Length < 255, p);
            Assert.False(Path.GetFileName(p).StartsWith('.'), p);
        });
        for (var i = 0; i < keys.Length; i++)
        {
            await storage.WriteStateAsync("probe", GrainId.Create("probe", keys[i]), new GrainState<ProbeState>(new ProbeState { Touches = i }));
        }

        for (var i = 0; i < keys.Length; i++)
        {
            var read = new GrainState<ProbeState>();
            await storage.ReadStateAsync("probe", GrainId.Create("probe", keys[i]), read);
            Assert.Equal(i, read.State!.Touches);
        }
    }

    [Fact]
    public void A_run_folder_in_use_by_another_process_is_refused()
    {
        using var temp = new TemporaryFolder("lock");
        using var first = RunFolder.Open(temp.Path, exclusive: true);

        var error = Assert.Throws<PipelineConfigurationException>(() => RunFolder.Open(temp.Path, exclusive: true));

        Assert.Contains("in use by another pipeline process", error.Message, StringComparison.Ordinal);
    }
}
