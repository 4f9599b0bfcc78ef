using Pipeline.Sharding.Storage;
using Pipeline.TestServices;

namespace Pipeline.Sharding.Tests;

/// <summary>Every <see cref="AtomicFile"/> user (run folders, grain state, stage outputs) on a disk that fills up.</summary>
public sealed class AtomicFileFaultTests
{
    [Fact]
    public async Task A_write_the_disk_cannot_hold_fails_keeps_the_old_content_and_leaves_no_temporary_file()
    {
        using var tmpfs = new SmallTmpfs(256 << 10);
        var path = tmpfs.Combine("state.bin");
        await AtomicFile.WriteAllBytesAsync(path, "committed"u8.ToArray(), CancellationToken.None);

        var error = await Assert.ThrowsAsync<IOException>(() => AtomicFile.WriteAllBytesAsync(path, new byte[512 << 10], CancellationToken.None));

        Assert.Equal("no space left on device", FileSystemFault.Describe(error));
        Assert.Equal("committed", await File.ReadAllTextAsync(path));
        Assert.Equal(["state.bin"], Directory.GetFiles(tmpfs.Path).Select(Path.GetFileName));
    }

    [Fact]
    public void A_store_folder_that_cannot_be_created_is_named_with_the_cause()
    {
        using var tmpfs = new SmallTmpfs(256 << 10);
        tmpfs.Remount(readOnly: true);

        var error = Assert.Throws<ShardStoreException>(() => new LocalFolderStore(tmpfs.Combine("store")));

        Assert.Equal($"cannot create {tmpfs.Combine("store")}: read-only file system", error.Message);
    }
}
