using Pipeline.Sharding.Storage;
using Pipeline.TestServices;

namespace Pipeline.Sharding.Tests;

public class AtomicFileTests
{
    [Fact]
    public async Task Replaces_the_content_and_leaves_no_temporary_file()
    {
        using var temp = new TemporaryFolder("atomic");
        var path = temp.Combine("state.bin");

        await AtomicFile.WriteAllBytesAsync(path, "first"u8.ToArray(), CancellationToken.None);
        await AtomicFile.WriteAllBytesAsync(path, "second, longer"u8.ToArray(), CancellationToken.None);

        Assert.Equal("second, longer", await File.ReadAllTextAsync(path));
        Assert.Equal(["state.bin"], Directory.GetFiles(temp.Path).Select(Path.GetFileName));
    }

    [Fact]
    public async Task Keeps_the_old_content_when_the_writer_fails_midway()
    {
        using var temp = new TemporaryFolder("atomic");
        var path = temp.Combine("state.bin");
        await AtomicFile.WriteAllBytesAsync(path, "committed"u8.ToArray(), CancellationToken.None);

        var error = await Assert.ThrowsAsync<IOException>(() => AtomicFile.WriteAsync(path, async (stream, ct) =>
        {
            await stream.WriteAsync("half of the new con"u8.ToArray(), ct);
            throw new IOException("disk full");
        }, CancellationToken.None));

        Assert.Equal("disk full", error.Message);
        Assert.Equal("committed", await File.ReadAllTextAsync(path));
        Assert.Equal(["state.bin"], Directory.GetFiles(temp.Path).Select(Path.GetFileName));
    }

    [Fact]
    public async Task Readers_see_the_old_or_the_new_content_never_a_mix()
    {
        using var temp = new TemporaryFolder("atomic");
        var path = temp.Combine("state.bin");
        var versions = new[] { new string('a', 256 * 1024), new string('b', 256 * 1024) };
        await AtomicFile.WriteAllBytesAsync(path, System.Text.Encoding.ASCII.GetBytes(versions[0]), CancellationToken.None);

        using var stop = new CancellationTokenSource();
        var writer = Task.Run(async () =>
        {
            for (var i = 1; i <= 40; i++)
            {
                await AtomicFile.WriteAllBytesAsync(path, System.Text.Encoding.ASCII.GetBytes(versions[i % 2]), CancellationToken.None);
            }
        });

        var reads = 0;
        while (!writer.IsCompleted)
        {
            var content = await File.ReadAllTextAsync(path);
            Assert.True(content == versions[0] || content == versions[1], $"read {content.Length} chars of mixed content");
            reads++;
        }

        await writer;
        Assert.True(reads > 0);
    }

    [Fact]
    public async Task Fails_clearly_when_the_folder_does_not_exist()
    {
        using var temp = new TemporaryFolder("atomic");

        await Assert.ThrowsAsync<DirectoryNotFoundException>(() =>
            AtomicFile.WriteAllBytesAsync(temp.Combine("missing", "state.bin"), "x"u8.ToArray(), CancellationToken.None));
    }
}
