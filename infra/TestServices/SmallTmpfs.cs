using System.Diagnostics;

namespace Pipeline.TestServices;

/// <summary>
/// A tmpfs of a given size and inode count, mounted in a fresh temporary folder: a real file system that runs out
/// of space or inodes, or turns read-only, when a test wants it to. Mounting needs root (or CAP_SYS_ADMIN); without
/// it the constructor fails saying so, since the tests that use it cannot run any other way. Disposing unmounts it
/// lazily (files still open elsewhere do not block that) and removes the folder.
/// </summary>
public sealed class SmallTmpfs : IDisposable
{
    private readonly TemporaryFolder _folder = new("tmpfs");

    /// <summary>Mounts a tmpfs of <paramref name="sizeBytes"/> bytes and <paramref name="inodes"/> inodes (its root folder takes one).</summary>
    public SmallTmpfs(long sizeBytes, int inodes = 1024)
    {
        Path = _folder.Combine("mount");
        Directory.CreateDirectory(Path);
        var (exitCode, output) = Run("mount", "-t", "tmpfs", "-o", $"size={sizeBytes},nr_inodes={inodes},mode=0755", "tmpfs", Path);
        if (exitCode != 0)
        {
            _folder.Dispose();
            throw new InvalidOperationException($"cannot mount a {sizeBytes}-byte tmpfs at {Path} (mount exited {exitCode}: {output.Trim()}); tests of full and read-only file systems need root or CAP_SYS_ADMIN");
        }
    }

    /// <summary>The mount point.</summary>
    public string Path { get; }

    /// <summary>A path inside the file system.</summary>
    public string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    /// <summary>Makes the file system read-only (EROFS for every write) or writable again.</summary>
    public void Remount(bool readOnly)
    {
        var (exitCode, output) = Run("mount", "-o", readOnly ? "remount,ro" : "remount,rw", Path);
        if (exitCode != 0)
        {
            throw new InvalidOperationException($"cannot remount {Path} {(readOnly ? "read-only" : "read-write")}: {output.Trim()}");
        }
    }

    /// <summary>Creates empty files in a folder of its own until no inode is left; returns their paths.</summary>
    public IReadOnlyList<string> FillInodes()
    {
        var folder = Combine("filler");
        Directory.CreateDirectory(folder);
        var created = new List<string>();
        while (true)
        {
            var file = System.IO.Path.Combine(folder, $"filler-{created.Count:D6}");
            try
            {
                File.WriteAllBytes(file, []);
            }
            catch (IOException)
            {
                return created;
            }

            created.Add(file);
        }
    }

    public void Dispose()
    {
        Run("umount", "-l", Path);
        _folder.Dispose();
    }

    private static (int ExitCode, string Output) Run(string program, params string[] arguments)
    {
        var info = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        try
        {
            using var process = Process.Start(info)!;
            var output = process.StandardError.ReadToEndAsync();
            var error = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            return (process.ExitCode, output.Result + error);
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            return (-1, $"{program}: {ex.Message}");
        }
    }
}
