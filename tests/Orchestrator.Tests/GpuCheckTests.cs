using System.Runtime.Versioning;
using System.Text.Json;
using Pipeline.TestServices;

namespace Pipeline.Orchestrator.Tests;

/// <summary>
/// The GPU check (infra/gpu) as far as it runs without a GPU: the bundle pack.sh makes, the bundled program on a
/// libtorch from outside the bundle, check.sh's refusals, and PyTorch's reference step on CPU.
/// </summary>
[SupportedOSPlatform("linux")] // the GPU check is for Linux machines; its fakes are executable scripts
public sealed class GpuCheckTests(GpuCheckBundle bundle) : IClassFixture<GpuCheckBundle>
{
    // Debian's python3-torch (infra/setup.sh); a python3 earlier on PATH (pyenv's, say) may have no torch.
    private const string DebianPython = "/usr/bin/python3";

    // What check.sh runs before its GPU and PyTorch checks; PATH holds only these and the fakes.
    private static readonly string[] CheckTools = ["dirname", "cut", "grep", "sed", "head", "tail", "cat"];

    [Fact]
    public void Pack_makes_a_bundle_under_64_MiB_with_the_wrapper_and_scripts_and_no_libtorch()
    {
        Assert.True(bundle.Bytes < 64L * 1024 * 1024, $"the bundle is {bundle.Bytes} bytes");
        Assert.Contains($"{bundle.Archive} {bundle.Bytes} bytes", bundle.PackOutput, StringComparison.Ordinal);
        var files = Directory.GetFiles(bundle.Root, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(bundle.Root, f)).ToList();
        Assert.DoesNotContain(files, f => Path.GetFileName(f).StartsWith("libtorch", StringComparison.Ordinal) || Path.GetFileName(f).StartsWith("libc10", StringComparison.Ordinal));
        foreach (var expected in new[] { "app/pipeline", "app/libLibTorchSharp.so", "app/libpipeline_glibcxx_shim.so", "app/TorchSharp.dll", "check.sh", "clip_step.py", "configs/ViT-B-32.json", "BUNDLE.env" })
        {
            Assert.Contains(expected, files);
        }

        Assert.Contains("LIBTORCH_VERSION=2.10.0", File.ReadAllLines(Path.Combine(bundle.Root, "BUNDLE.env")));
    }

    [Fact]
    public async Task The_bundled_program_trains_with_a_libtorch_from_outside_the_bundle()
    {
        using var folder = new TemporaryFolder("gpu-check-train");
        var torchLib = TorchLibFolder(folder);
        var environment = new Dictionary<string, string> { ["LD_LIBRARY_PATH"] = torchLib, ["DOTNET_SYSTEM_GLOBALIZATION_INVARIANT"] = "1" };
        var program = Path.Combine(bundle.Root, "app", "pipeline");
        var (code, output) = await RunAsync(program, ["--run-dir", folder.Combine("runs"), "shard", "generate", folder.Combine("shards"), "--samples", "16"], environment);
        Assert.True(code == 0, output);
        // The patched wrapper loads here although Debian 12's libstdc++ lacks GLIBCXX_3.4.32.
        (code, output) = await RunAsync(program, ["--run-dir", folder.Combine("runs"), "train", "--shards", folder.Combine("shards"), "--out", folder.Combine("out"),
            "--model", "tiny", "--steps", "2", "--batch", "4", "--warmup", "0", "--log-every", "1", "--device", "cpu", "--threads", "1"], environment);
        Assert.True(code == 0, output);
        Assert.Equal(2, File.ReadAllLines(folder.Combine("out", "metrics.jsonl")).Length);
    }

    [Fact]
    public async Task Check_without_nvidia_smi_says_there_is_no_gpu()
    {
        var (code, output) = await RunCheckAsync(new Dictionary<string, string>());
        Assert.True(code == 10, output);
        Assert.Contains("check: error: nvidia-smi is not on PATH", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_with_a_failing_driver_says_there_is_no_gpu()
    {
        var fakes = new Dictionary<string, string> { ["nvidia-smi"] = "echo \"NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver.\"; exit 9" };
        var (code, output) = await RunCheckAsync(fakes);
        Assert.True(code == 10, output);
        Assert.Contains("check: error: nvidia-smi finds no GPU: NVIDIA-SMI has failed", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_without_torch_says_so()
    {
        var (code, output) = await RunCheckAsync(WithGpu(Probe("error=No module named 'torch'")));
        Assert.True(code == 12, output);
        Assert.Contains("check: error: 'python3' cannot import torch: No module named 'torch'", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_with_a_cpu_only_torch_says_cuda_is_unavailable()
    {
        var (code, output) = await RunCheckAsync(WithGpu(Probe("version=2.10.0+cpu", "cuda=0", "cuda_version=None", "lib=/opt/torch/lib", "cxx11_abi=1", "nvidia_libs=")));
        Assert.True(code == 13, output);
        Assert.Contains("check: error: torch 2.10.0+cpu (CUDA None) says torch.cuda.is_available() is False", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_with_torch_2_4_names_the_2_10_it_needs_and_what_to_do()
    {
        var (code, output) = await RunCheckAsync(WithGpu(Probe("version=2.4.1+cu121", "cuda=1", "cuda_version=12.1", "lib=/opt/torch/lib", "cxx11_abi=1", "nvidia_libs=")));
        Assert.True(code == 14, output);
        Assert.Contains("check: error: this bundle's TorchSharp 0.107.0 is built against libtorch 2.10", output, StringComparison.Ordinal);
        Assert.Contains("has torch 2.4.1+cu121", output, StringComparison.Ordinal);
        Assert.Contains("pip install 'torch==2.10.*'", output, StringComparison.Ordinal);
        Assert.Contains("check.sh --python", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_refuses_an_unknown_option_with_its_usage()
    {
        var (code, output) = await RunCheckAsync(new Dictionary<string, string>(), "--precision", "fp8");
        Assert.True(code == 2, output);
        Assert.Contains("check: error: --precision is fp32, bf16 or fp16, not 'fp8'", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Reference_step_counts_openai_vit_b_32_parameters()
    {
        var (code, output) = await RunAsync(DebianPython, [ClipStep, "--model", "ViT-B/32", "--vocab-size", "49408", "--context-length", "77", "--count-params"]);
        Assert.True(code == 0, output);
        using var line = JsonDocument.Parse(LastJsonLine(output));
        Assert.Equal(151_277_313, line.RootElement.GetProperty("params").GetInt64());
    }

    [Theory]
    [InlineData("fp32", false)]
    [InlineData("bf16", true)]
    public async Task Reference_step_trains_the_small_model_on_cpu_and_prints_one_json_line(string precision, bool checkpointing)
    {
        string[] arguments = [ClipStep, "--model", "small", "--vocab-size", "2000", "--batch", "2", "--steps", "1", "--warmup", "1", "--threads", "2", "--device", "cpu", "--precision", precision];
        var (code, output) = await RunAsync(DebianPython, checkpointing ? [.. arguments, "--grad-checkpointing"] : arguments);
        Assert.True(code == 0, output);
        using var line = JsonDocument.Parse(LastJsonLine(output));
        var root = line.RootElement;
        Assert.True(root.GetProperty("samples_per_s").GetDouble() > 0, output);
        Assert.True(root.GetProperty("peak_memory_mb").GetDouble() > 0, output);
        Assert.Equal("cpu", root.GetProperty("device").GetString());
        Assert.Equal(precision, root.GetProperty("precision").GetString());
        Assert.Equal(checkpointing, root.GetProperty("grad_checkpointing").GetBoolean());
        Assert.Equal(2, root.GetProperty("batch").GetInt32());
        Assert.Equal(2, root.GetProperty("threads").GetInt32());
        Assert.Equal(7_048_449, root.GetProperty("params").GetInt64());
        Assert.StartsWith("1.13", root.GetProperty("torch").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_on_cpu_runs_ours_and_pytorchs_step_and_prints_their_ratio()
    {
        // The whole flow without a GPU: a python3 that reports torch 2.10 with libtorch 2.10's libraries (this
        // test's own) to check.sh's probe, and is Debian's Python with torch 1.13 for everything else.
        using var folder = new TemporaryFolder("gpu-check-cpu");
        var torchLib = TorchLibFolder(folder);
        var fakes = Directory.CreateDirectory(folder.Combine("fakes")).FullName;
        WriteScript(Path.Combine(fakes, "python3"),
            $"if [ \"${{1:-}}\" = -c ] && [[ \"$2\" == *'import glob'* ]]; then\n" +
            $"  printf '%s\\n' version=2.10.0+cpu cuda=0 cuda_version=None lib={torchLib} cxx11_abi=1 nvidia_libs=\n  exit 0\nfi\nexec {DebianPython} \"$@\"");
        var (code, output) = await RunAsync("/bin/bash", [Path.Combine(bundle.Root, "check.sh"), "--device", "cpu", "--model", "tiny", "--steps", "2", "--warmup", "1", "--batch", "4", "--work", folder.Combine("work")],
            new Dictionary<string, string> { ["PATH"] = $"{fakes}:/usr/bin:/bin" });
        Assert.True(code == 0, output);
        var lines = output.Split('\n').Where(l => l.StartsWith('{')).Select(l => JsonDocument.Parse(l)).ToList();
        try
        {
            Assert.Equal(["ours", "pytorch", "ratio"], lines.Select(l => l.RootElement.GetProperty("check").GetString()));
            var (ours, pytorch, ratio) = (lines[0].RootElement, lines[1].RootElement, lines[2].RootElement);
            Assert.Equal(2, ours.GetProperty("timed_steps").GetInt32());
            Assert.True(ours.GetProperty("samples_per_s").GetDouble() > 0, output);
            // PyTorch's model has our tokenizer's vocabulary, so the two train the same model.
            Assert.Equal(ours.GetProperty("vocab_size").GetInt32(), pytorch.GetProperty("vocab_size").GetInt32());
            Assert.Equal("cpu", pytorch.GetProperty("device").GetString());
            var expected = ours.GetProperty("samples_per_s").GetDouble() / pytorch.GetProperty("samples_per_s").GetDouble();
            Assert.Equal(expected, ratio.GetProperty("ratio").GetDouble(), 0.01);
        }
        finally
        {
            lines.ForEach(l => l.Dispose());
        }
    }

    private static string ClipStep => Path.Combine(GpuCheckBundle.RepositoryRoot(), "infra", "gpu", "clip_step.py");

    private static Dictionary<string, string> WithGpu(string python) => new()
    {
        ["nvidia-smi"] = "echo 'GPU 0: NVIDIA H200 (UUID: GPU-00000000-0000-0000-0000-000000000000)'",
        ["python3"] = python,
    };

    // A python3 that answers check.sh's probe of torch with these lines, whatever it is asked.
    private static string Probe(params string[] lines) => $"printf '%s\\n' {string.Join(' ', lines.Select(l => $"\"{l}\""))}";

    private static string LastJsonLine(string output) => output.Split('\n').Last(l => l.StartsWith('{'));

    // check.sh from the unpacked bundle, with a PATH of the fakes (bash scripts) and the few tools it uses.
    private async Task<(int Code, string Output)> RunCheckAsync(IReadOnlyDictionary<string, string> fakes, params string[] arguments)
    {
        using var folder = new TemporaryFolder("gpu-check-fakes");
        foreach (var tool in CheckTools)
        {
            File.CreateSymbolicLink(folder.Combine(tool), Path.Combine("/usr/bin", tool));
        }

        foreach (var (name, body) in fakes)
        {
            WriteScript(folder.Combine(name), body);
        }

        return await RunAsync("/bin/bash", [Path.Combine(bundle.Root, "check.sh"), .. arguments], new Dictionary<string, string> { ["PATH"] = folder.Path });
    }

    private static void WriteScript(string path, string body)
    {
        File.WriteAllText(path, $"#!/bin/bash\n{body}\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    // A folder like PyTorch's torch/lib: libtorch's libraries only (from this test's own build), nothing of TorchSharp's.
    private static string TorchLibFolder(TemporaryFolder folder)
    {
        var torchLib = Directory.CreateDirectory(folder.Combine("torch-lib")).FullName;
        var natives = Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native");
        foreach (var library in Directory.GetFiles(natives).Where(f => Path.GetFileName(f) is var n && (n.StartsWith("libtorch", StringComparison.Ordinal) || n.StartsWith("libc10", StringComparison.Ordinal) || n.StartsWith("libgomp", StringComparison.Ordinal))))
        {
            File.CreateSymbolicLink(Path.Combine(torchLib, Path.GetFileName(library)), library);
        }

        return torchLib;
    }

    private static async Task<(int Code, string Output)> RunAsync(string program, IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment = null)
    {
        using var process = ManagedProcess.Start(program, arguments, environment);
        var code = await process.WaitForExitAsync(TimeSpan.FromMinutes(3));
        await Task.Delay(100); // output events may trail the exit
        return (code, process.Transcript());
    }
}

/// <summary>One bundle for the class: infra/gpu/pack.sh run once (a publish and xz: minutes on two cores), then unpacked.</summary>
public sealed class GpuCheckBundle : IAsyncLifetime
{
    private readonly TemporaryFolder _folder = new("gpu-check-bundle");

    public string Archive => _folder.Combine("pipeline-gpu-check.tar.xz");

    /// <summary>The unpacked bundle's folder.</summary>
    public string Root => _folder.Combine("unpacked", "pipeline-gpu-check");

    public long Bytes { get; private set; }

    public string PackOutput { get; private set; } = "";

    public async Task InitializeAsync()
    {
        using (var pack = ManagedProcess.Start("/bin/bash", [Path.Combine(RepositoryRoot(), "infra", "gpu", "pack.sh"), "--out", Archive]))
        {
            var code = await pack.WaitForExitAsync(TimeSpan.FromMinutes(20));
            await Task.Delay(100);
            PackOutput = pack.Transcript();
            Assert.True(code == 0, PackOutput);
        }

        Bytes = new FileInfo(Archive).Length;
        Directory.CreateDirectory(_folder.Combine("unpacked"));
        using var unpack = ManagedProcess.Start("tar", ["-C", _folder.Combine("unpacked"), "-xJf", Archive]);
        var unpacked = await unpack.WaitForExitAsync(TimeSpan.FromMinutes(5));
        Assert.True(unpacked == 0, unpack.Transcript());
    }

    public Task DisposeAsync()
    {
        _folder.Dispose();
        return Task.CompletedTask;
    }

    /// <summary>The checkout's root, the folder with Pipeline.sln above the tests' output.</summary>
    public static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Pipeline.sln")))
            {
                return directory.FullName;
            }
        }

        throw new DirectoryNotFoundException("no Pipeline.sln above " + AppContext.BaseDirectory);
    }
}
