using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Pipeline.Orchestrator.Hosting;
using Pipeline.Orchestrator.Reminders;
using Pipeline.TestServices;

namespace Pipeline.Orchestrator.Tests;

public class FileReminderTableTests
{
    [Fact]
    public async Task The_embedded_silo_keeps_reminders_in_the_run_folder_across_a_restart()
    {
        using var temp = new TemporaryFolder("reminders");
        var grain = GrainId.Create("campaign", "demo");
        var start = new DateTime(2026, 11, 24, 12, 0, 0, DateTimeKind.Utc);

        string? etag;
        using (var runFolder = RunFolder.Open(temp.Path, exclusive: true))
        {
            using var host = await EmbeddedSilo.StartAsync(runFolder);
            var table = host.Services.GetRequiredService<IReminderTable>();
            Assert.IsType<FileReminderTable>(table);
            etag = await table.UpsertRow(new ReminderEntry { GrainId = grain, ReminderName = "tick", StartAt = start, Period = TimeSpan.FromMinutes(1) });
            await host.StopAsync();
            Assert.True(File.Exists(runFolder.RemindersFile));
        }

        using (var runFolder = RunFolder.Open(temp.Path, exclusive: true))
        {
            using var host = await EmbeddedSilo.StartAsync(runFolder);
            var row = await host.Services.GetRequiredService<IReminderTable>().ReadRow(grain, "tick");

            Assert.NotNull(row);
            Assert.Equal((grain, start, TimeSpan.FromMinutes(1), etag), (row.GrainId, row.StartAt, row.Period, row.ETag));
            await host.StopAsync();
        }
    }

    [Fact]
    public async Task Upsert_changes_the_ETag_and_remove_needs_the_current_one()
    {
        using var temp = new TemporaryFolder("reminders");
        using var table = new FileReminderTable(temp.Combine("reminders.json"), NullLogger<FileReminderTable>.Instance);
        var grain = GrainId.Create("job", "train");

        var first = await table.UpsertRow(new ReminderEntry { GrainId = grain, ReminderName = "heartbeat", Period = TimeSpan.FromMinutes(1) });
        var second = await table.UpsertRow(new ReminderEntry { GrainId = grain, ReminderName = "heartbeat", Period = TimeSpan.FromMinutes(2) });

        Assert.NotEqual(first, second);
        Assert.False(await table.RemoveRow(grain, "heartbeat", first!));
        Assert.Equal(TimeSpan.FromMinutes(2), (await table.ReadRow(grain, "heartbeat"))!.Period);
        Assert.True(await table.RemoveRow(grain, "heartbeat", second!));
        Assert.Null(await table.ReadRow(grain, "heartbeat"));
        Assert.False(await table.RemoveRow(grain, "heartbeat", second!));
    }

    [Fact]
    public async Task Range_reads_follow_the_ring_and_cover_every_row_exactly_once()
    {
        using var temp = new TemporaryFolder("reminders");
        using var table = new FileReminderTable(temp.Combine("reminders.json"), NullLogger<FileReminderTable>.Instance);
        var grains = Enumerable.Range(0, 40).Select(i => GrainId.Create("g", $"k{i}")).ToList();
        foreach (var grain in grains)
        {
            await table.UpsertRow(new ReminderEntry { GrainId = grain, ReminderName = "r", Period = TimeSpan.FromMinutes(1) });
        }

        // Three ranges that split the ring, the last one wrapping past uint.MaxValue.
        uint a = 0x40000000, b = 0x90000000, c = 0xF0000000;
        var parts = new[] { await table.ReadRows(a, b), await table.ReadRows(b, c), await table.ReadRows(c, a) };

        var seen = parts.SelectMany(p => p.Reminders.Select(r => r.GrainId)).ToList();
        Assert.Equal(grains.Count, seen.Count);
        Assert.Equal(grains.ToHashSet(), seen.ToHashSet());
        Assert.All(parts[2].Reminders, r => Assert.True(r.GrainId.GetUniformHashCode() > c || r.GrainId.GetUniformHashCode() <= a));
        Assert.Equal(grains.Count, (await table.ReadRows(5, 5)).Reminders.Count);
    }

    [Fact]
    public async Task A_damaged_reminders_file_is_reported_with_its_path_and_position()
    {
        using var temp = new TemporaryFolder("reminders");
        var path = temp.Combine("reminders.json");
        await File.WriteAllTextAsync(path, "[{\"Grain\": \"g/k\", \"Name\": ");
        using var table = new FileReminderTable(path, NullLogger<FileReminderTable>.Instance);

        var error = await Assert.ThrowsAsync<InvalidDataException>(() => table.ReadRows(GrainId.Create("g", "k")));

        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        Assert.Contains("line 1", error.Message, StringComparison.Ordinal);
    }
}
