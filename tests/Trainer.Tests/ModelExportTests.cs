using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using Pipeline.TestServices;
using Pipeline.Trainer.Checkpoints;
using Pipeline.Trainer.Interop;
using Pipeline.Trainer.Models;
using Pipeline.Trainer.Runtime;
using Pipeline.Trainer.Tokenization;
using Pipeline.Trainer.Training;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Pipeline.Trainer.Tests;

/// <summary>
/// Export to PyTorch: the weights load with strict=True into OpenAI's CLIP architecture written in PyTorch (Debian's
/// python3-torch) and give our embeddings; an import gives back the same model; a file that does not fit is refused
/// naming the file and the key. In the generator-isolated collection: the models are initialised from libtorch's
/// process-wide generator, and their inputs are drawn from a seeded generator of the test's own.
/// </summary>
[Collection(nameof(TorchGeneratorIsolation))]
public sealed class ModelExportTests(ITestOutputHelper output) : IDisposable
{
    // Debian's python3-torch (infra/setup.sh); a python3 earlier on PATH (pyenv's, say) may have no torch.
    private const string DebianPython = "/usr/bin/python3";

    // Small, and unlike in every size that a transposed or mislabelled tensor could hide behind: embed 24, vision
    // width 64 in 4 heads of 16, text width 32 in 2 heads; context 77 as our tokenizer's.
    private static readonly ClipConfig Config = new("export-test", EmbedDim: 24, ImageSize: 32, PatchSize: 8, VisionWidth: 64, VisionLayers: 2, VisionHeads: 4,
        ContextLength: ClipTokenizer.DefaultContextLength, VocabularySize: 514, TextWidth: 32, TextLayers: 2, TextHeads: 2);

    private readonly TemporaryFolder _folder = new("model-export");

    public void Dispose() => _folder.Dispose();

    [Theory]
    [InlineData("model.pt")]
    [InlineData("model.safetensors")]
    public async Task Exported_weights_load_strictly_into_OpenAIs_CLIP_in_PyTorch_and_give_our_embeddings(string file)
    {
        var tokenizer = new ClipTokenizer(new BpeVocabulary([]));
        using var model = NewModel(tokenizer, seed: 11);
        var weights = _folder.Combine("export", file);
        var files = await PyTorchModelFiles.WriteAsync(model, tokenizer.Vocabulary, weights, CancellationToken.None);
        Assert.True(File.Exists(files.Config) && File.Exists(files.Vocabulary) && File.Exists(files.Merges));

        var (images, tokens) = Inputs(tokenizer, batch: 5, seed: 3);
        await File.WriteAllBytesAsync(_folder.Combine("images.f32"), MemoryMarshal.AsBytes(images.data<float>().ToArray().AsSpan()).ToArray());
        await File.WriteAllBytesAsync(_folder.Combine("tokens.i64"), MemoryMarshal.AsBytes(tokens.data<long>().ToArray().AsSpan()).ToArray());
        var script = _folder.Combine("reference_clip.py");
        await File.WriteAllTextAsync(script, ReferenceScript);

        using var python = ManagedProcess.Start(DebianPython, [script, weights, files.Config, _folder.Combine("images.f32"), _folder.Combine("tokens.i64"), _folder.Path, tokenizer.EndId.ToString(CultureInfo.InvariantCulture)]);
        var code = await python.WaitForExitAsync(TimeSpan.FromMinutes(3));
        await Task.Delay(100); // output events may trail the exit
        Assert.True(code == 0, python.Transcript());
        using var report = JsonDocument.Parse(python.StandardOutput.Last(l => l.StartsWith('{')));
        Assert.Equal(files.Tensors, report.RootElement.GetProperty("tensors").GetInt32());

        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var (ourImages, ourTexts) = model.forward(images, tokens);
        var imageDifference = MaxDifference(ourImages, await ReadFloatsAsync(_folder.Combine("image_embeddings.f32")));
        var textDifference = MaxDifference(ourTexts, await ReadFloatsAsync(_folder.Combine("text_embeddings.f32")));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{file}: torch {report.RootElement.GetProperty("torch").GetString()}, {files.Tensors} tensors; max |ours - PyTorch's|: images {imageDifference:E2}, texts {textDifference:E2}"));
        Assert.True(imageDifference < 1e-4, $"image embeddings differ by {imageDifference}");
        Assert.True(textDifference < 1e-4, $"text embeddings differ by {textDifference}");
        Assert.Equal(model.LogitScale.item<float>(), report.RootElement.GetProperty("logit_scale").GetSingle());
    }

    [Theory]
    [InlineData("model.pt", false)]
    [InlineData("model.safetensors", true)]
    public async Task An_import_gives_back_the_exported_weights_and_embeddings(string file, bool sigLip)
    {
        var tokenizer = new ClipTokenizer(new BpeVocabulary([]));
        using var model = NewModel(tokenizer, seed: 12, sigLip);
        var weights = _folder.Combine("export", file);
        await PyTorchModelFiles.WriteAsync(model, tokenizer.Vocabulary, weights, CancellationToken.None);

        var run = _folder.Combine("run");
        var imported = await PyTorchModelFiles.ImportAsync(weights, run, CancellationToken.None);

        Assert.Equal(Path.Combine(Path.GetFullPath(run), "checkpoints", "step-00000000"), imported.Checkpoint);
        Assert.Equal(sigLip ? ContrastiveLoss.SigLip : ContrastiveLoss.Clip, imported.Loss);
        var state = await CheckpointStore.ReadStateAsync(imported.Checkpoint, CancellationToken.None);
        Assert.Equal((0, Path.GetFullPath(weights)), (state.Step, state.ImportedFrom));
        Assert.Equal(imported.Checkpoint, CheckpointStore.Find(run));
        var runTokenizer = new ClipTokenizer(await BpeVocabulary.LoadAsync(imported.TokenizerFolder, CancellationToken.None));
        var config = ClipConfig.Resolve(await File.ReadAllTextAsync(imported.Config)) with { Name = Config.Name };
        Assert.Equal(Config, config);
        Assert.Equal(config, ClipConfig.Resolve(state.Config) with { Name = Config.Name });

        using var loaded = new ClipModel(config, runTokenizer.EndId, sigLip);
        CheckpointStore.LoadWeights(imported.Checkpoint, loaded, optimizer: null);
        loaded.eval();
        var theirs = loaded.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        Assert.Equal(model.named_parameters().Select(p => p.name), theirs.Keys);
        foreach (var (name, parameter) in model.named_parameters())
        {
            Assert.True(parameter.eq(theirs[name]).all().item<bool>(), $"{name} differs after the round trip");
        }

        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var (images, tokens) = Inputs(tokenizer, batch: 3, seed: 4);
        var (ourImages, ourTexts) = model.forward(images, tokens);
        var (theirImages, theirTexts) = loaded.forward(images, tokens);
        Assert.True(ourImages.eq(theirImages).all().item<bool>() && ourTexts.eq(theirTexts).all().item<bool>());
    }

    [Fact]
    public async Task Training_resumes_from_an_imported_model_with_its_weights()
    {
        using var fixture = await TrainerFixture.CreateAsync(64);
        using var model = NewModel(fixture.Tokenizer, seed: 13, config: ClipConfig.Tiny with { VocabularySize = fixture.Tokenizer.VocabularySize });
        var weights = fixture.Folder.Combine("export", "tiny.safetensors");
        await PyTorchModelFiles.WriteAsync(model, fixture.Tokenizer.Vocabulary, weights, CancellationToken.None);
        var run = fixture.Folder.Combine("fine-tune");
        var imported = await PyTorchModelFiles.ImportAsync(weights, run, CancellationToken.None);

        // Any batch: an imported checkpoint has no optimizer state or data position to agree with. A learning rate so
        // small that one step leaves every weight where the import put it, far from a fresh initialisation's.
        var options = new TrainingOptions { Model = await File.ReadAllTextAsync(imported.Config), Steps = 1, GlobalBatch = 8, WarmupSteps = 0, LearningRate = 1e-7, ShuffleBuffer = 16, CheckpointEvery = 1, LogEvery = 1 };
        var outcome = await fixture.TrainAsync(options, run, resume: true);

        Assert.Equal(0, outcome.FirstStep);
        Assert.Single(outcome.Losses);
        using var trained = new ClipModel(model.Config, fixture.Tokenizer.EndId);
        CheckpointStore.LoadWeights(outcome.Checkpoint, trained, optimizer: null);
        var after = trained.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        foreach (var (name, parameter) in model.named_parameters())
        {
            var moved = (parameter - after[name]).abs().max().item<float>();
            Assert.True(moved < 1e-5, $"{name} moved by {moved} in one step from the imported weights");
        }
    }

    [Fact]
    public async Task A_weight_of_another_shape_or_a_missing_key_is_refused_naming_the_file_and_the_key()
    {
        var tokenizer = new ClipTokenizer(new BpeVocabulary([]));
        using var model = NewModel(tokenizer, seed: 14);
        var weights = _folder.Combine("model.pt");
        var files = await PyTorchModelFiles.WriteAsync(model, tokenizer.Vocabulary, weights, CancellationToken.None);
        var stateDict = StateDictFile.Read(weights);

        // visual.proj transposed, as a converter that took OpenAI's matrix for a Linear weight would write it.
        var transposed = _folder.Combine("transposed.pt");
        File.Copy(files.Config, PyTorchModelFiles.ConfigPathOf(transposed));
        StateDictFile.Write(transposed, new Dictionary<string, Tensor>(stateDict) { ["visual.proj"] = stateDict["visual.proj"].t().contiguous() });
        var shape = await Assert.ThrowsAsync<InvalidDataException>(() => PyTorchModelFiles.ImportAsync(transposed, _folder.Combine("run-1"), CancellationToken.None));
        Assert.StartsWith($"{transposed}: visual.proj has shape [24, 64], the configuration's model (embed 24,", shape.Message, StringComparison.Ordinal);
        Assert.EndsWith("needs [64, 24]", shape.Message, StringComparison.Ordinal);

        var missing = _folder.Combine("missing.safetensors");
        File.Copy(files.Config, PyTorchModelFiles.ConfigPathOf(missing));
        StateDictFile.Write(missing, stateDict.Where(p => p.Key != "ln_final.weight").ToDictionary(p => p.Key, p => p.Value));
        var key = await Assert.ThrowsAsync<InvalidDataException>(() => PyTorchModelFiles.ImportAsync(missing, _folder.Combine("run-2"), CancellationToken.None));
        Assert.StartsWith($"{missing}: key ln_final.weight is missing; the configuration's model", key.Message, StringComparison.Ordinal);

        var unexpected = _folder.Combine("unexpected.pt");
        File.Copy(files.Config, PyTorchModelFiles.ConfigPathOf(unexpected));
        StateDictFile.Write(unexpected, new Dictionary<string, Tensor>(stateDict) { ["visual.transformer.resblocks.2.ln_1.weight"] = ones(64) });
        var extra = await Assert.ThrowsAsync<InvalidDataException>(() => PyTorchModelFiles.ImportAsync(unexpected, _folder.Combine("run-3"), CancellationToken.None));
        Assert.StartsWith($"{unexpected}: unexpected key visual.transformer.resblocks.2.ln_1.weight: the configuration's model", extra.Message, StringComparison.Ordinal);

        var foreign = _folder.Combine("foreign.pt");
        File.Copy(files.Config, PyTorchModelFiles.ConfigPathOf(foreign));
        await File.WriteAllTextAsync(foreign, "not a zip");
        var damaged = await Assert.ThrowsAsync<InvalidDataException>(() => PyTorchModelFiles.ImportAsync(foreign, _folder.Combine("run-4"), CancellationToken.None));
        Assert.StartsWith($"{foreign}: not a PyTorch state dict saved by torch.save", damaged.Message, StringComparison.Ordinal);

        var lonely = _folder.Combine("lonely", "model.pt");
        Directory.CreateDirectory(Path.GetDirectoryName(lonely)!);
        File.Copy(weights, lonely);
        var config = await Assert.ThrowsAsync<InvalidDataException>(() => PyTorchModelFiles.ImportAsync(lonely, _folder.Combine("run-5"), CancellationToken.None));
        Assert.Equal($"{PyTorchModelFiles.ConfigPathOf(lonely)}: missing: the model configuration (open_clip's JSON) goes beside model.pt", config.Message);
        Assert.False(Directory.Exists(_folder.Combine("run-1", "checkpoints")));
        foreach (var tensor in stateDict.Values)
        {
            tensor.Dispose();
        }
    }

    [Fact]
    public void OpenAIs_names_map_our_block_layers_and_text_tower()
    {
        Assert.Equal("transformer.resblocks.1.mlp.c_fc.weight", OpenAiStateDict.OpenAiName("text.transformer.resblocks.1.c_fc.weight"));
        Assert.Equal("visual.transformer.resblocks.0.attn.in_proj_weight", OpenAiStateDict.OpenAiName("visual.transformer.resblocks.0.attn.in_proj.weight"));
        Assert.Equal("visual.transformer.resblocks.0.attn.out_proj.bias", OpenAiStateDict.OpenAiName("visual.transformer.resblocks.0.attn.out_proj.bias"));
        Assert.Equal("text_projection", OpenAiStateDict.OpenAiName("text.text_projection"));
        Assert.Equal("visual.proj", OpenAiStateDict.OpenAiName("visual.proj"));

        using var model = new ClipModel(Config, endId: 513);
        var names = OpenAiStateDict.FromModel(model);
        foreach (var tensor in names.Values)
        {
            tensor.Dispose();
        }

        // OpenAI's ViT CLIP of these sizes: 2 blocks per tower of 12 tensors; conv1, class_embedding,
        // positional_embedding, ln_pre, ln_post (2 each) and proj in the vision tower; token_embedding,
        // positional_embedding, ln_final (2), text_projection and logit_scale.
        Assert.Equal((2 * 12 * 2) + 8 + 6, names.Count);
        Assert.Contains("visual.class_embedding", names.Keys);
        Assert.Contains("token_embedding.weight", names.Keys);
        Assert.Contains("positional_embedding", names.Keys);
        Assert.Contains("logit_scale", names.Keys);
    }

    /// <summary>A model of <see cref="Config"/> (or <paramref name="config"/>) with every weight moved off its initial value, so a gain or bias put in the wrong place shows.</summary>
    private static ClipModel NewModel(ClipTokenizer tokenizer, int seed, bool sigLip = false, ClipConfig? config = null)
    {
        manual_seed(seed);
        var model = new ClipModel(config ?? Config, tokenizer.EndId, sigLip);
        model.eval();
        using var generator = new Generator((ulong)seed);
        using var noGrad = no_grad();
        using var std = 0.05.ToScalar();
        foreach (var parameter in model.parameters())
        {
            using var noise = randn(parameter.shape, generator: generator).mul_(std);
            parameter.add_(noise, HeldScalars.One);
        }

        return model;
    }

    /// <summary>Normalised random images and captions of different lengths: start, ids below the special tokens, end, zero padding.</summary>
    private static (Tensor Images, Tensor Tokens) Inputs(ClipTokenizer tokenizer, int batch, int seed)
    {
        using var generator = new Generator((ulong)seed);
        var images = randn(new long[] { batch, 3, Config.ImageSize, Config.ImageSize }, generator: generator);
        var ids = new long[batch * tokenizer.ContextLength];
        var random = new Random(seed);
        for (var row = 0; row < batch; row++)
        {
            var length = 3 + (row * 7 % (tokenizer.ContextLength - 4));
            ids[row * tokenizer.ContextLength] = tokenizer.StartId;
            for (var i = 1; i <= length; i++)
            {
                ids[(row * tokenizer.ContextLength) + i] = random.Next(0, tokenizer.StartId);
            }

            ids[(row * tokenizer.ContextLength) + length + 1] = tokenizer.EndId;
        }

        return (images, tensor(ids, [batch, tokenizer.ContextLength]));
    }

    private static async Task<float[]> ReadFloatsAsync(string path) => MemoryMarshal.Cast<byte, float>(await File.ReadAllBytesAsync(path)).ToArray();

    private static double MaxDifference(Tensor ours, float[] theirs)
    {
        var mine = ours.contiguous().data<float>().ToArray();
        Assert.Equal(mine.Length, theirs.Length);
        return mine.Zip(theirs, (a, b) => Math.Abs((double)a - b)).Max();
    }

    /// <summary>
    /// OpenAI's CLIP (github.com/openai/CLIP, model.py: VisionTransformer, Transformer, ResidualAttentionBlock, the
    /// text tower of CLIP) with two differences that are the configuration's, not the layout's: GELU where OpenAI's
    /// released models use QuickGELU (open_clip's default, quick_gelu false; ours), and sizes from the open_clip config.
    /// It loads the exported state dict with strict=True and writes the normalised embeddings of the given inputs.
    /// </summary>
    private const string ReferenceScript = """
        import json, struct, sys
        from collections import OrderedDict
        import torch
        from torch import nn
        import torch.nn.functional as F

        weights, config_path, images_path, tokens_path, out_dir, end_id = sys.argv[1:7]
        end_id = int(end_id)
        cfg = json.load(open(config_path))
        vcfg, tcfg = cfg["vision_cfg"], cfg["text_cfg"]

        class LayerNorm(nn.LayerNorm):
            def forward(self, x):
                return super().forward(x.type(torch.float32)).type(x.dtype)

        class ResidualAttentionBlock(nn.Module):
            def __init__(self, d_model, n_head, attn_mask=None):
                super().__init__()
                self.attn = nn.MultiheadAttention(d_model, n_head)
                self.ln_1 = LayerNorm(d_model)
                self.mlp = nn.Sequential(OrderedDict([
                    ("c_fc", nn.Linear(d_model, d_model * 4)),
                    ("gelu", nn.GELU()),
                    ("c_proj", nn.Linear(d_model * 4, d_model))]))
                self.ln_2 = LayerNorm(d_model)
                self.attn_mask = attn_mask

            def attention(self, x):
                mask = self.attn_mask.to(dtype=x.dtype, device=x.device) if self.attn_mask is not None else None
                return self.attn(x, x, x, need_weights=False, attn_mask=mask)[0]

            def forward(self, x):
                x = x + self.attention(self.ln_1(x))
                return x + self.mlp(self.ln_2(x))

        class Transformer(nn.Module):
            def __init__(self, width, layers, heads, attn_mask=None):
                super().__init__()
                self.resblocks = nn.Sequential(*[ResidualAttentionBlock(width, heads, attn_mask) for _ in range(layers)])

            def forward(self, x):
                return self.resblocks(x)

        class VisionTransformer(nn.Module):
            def __init__(self, input_resolution, patch_size, width, layers, heads, output_dim):
                super().__init__()
                self.conv1 = nn.Conv2d(3, width, kernel_size=patch_size, stride=patch_size, bias=False)
                scale = width ** -0.5
                self.class_embedding = nn.Parameter(scale * torch.randn(width))
                self.positional_embedding = nn.Parameter(scale * torch.randn((input_resolution // patch_size) ** 2 + 1, width))
                self.ln_pre = LayerNorm(width)
                self.transformer = Transformer(width, layers, heads)
                self.ln_post = LayerNorm(width)
                self.proj = nn.Parameter(scale * torch.randn(width, output_dim))

            def forward(self, x):
                x = self.conv1(x)
                x = x.reshape(x.shape[0], x.shape[1], -1).permute(0, 2, 1)
                x = torch.cat([self.class_embedding + torch.zeros(x.shape[0], 1, x.shape[-1], dtype=x.dtype), x], dim=1)
                x = self.ln_pre(x + self.positional_embedding)
                x = self.transformer(x.permute(1, 0, 2)).permute(1, 0, 2)
                return self.ln_post(x[:, 0, :]) @ self.proj

        class CLIP(nn.Module):
            def __init__(self):
                super().__init__()
                self.context_length = tcfg["context_length"]
                vision_width = vcfg["width"]
                self.visual = VisionTransformer(vcfg["image_size"], vcfg["patch_size"], vision_width, vcfg["layers"],
                                                vision_width // vcfg.get("head_width", 64), cfg["embed_dim"])
                self.transformer = Transformer(tcfg["width"], tcfg["layers"], tcfg["heads"], self.build_attention_mask())
                self.token_embedding = nn.Embedding(tcfg["vocab_size"], tcfg["width"])
                self.positional_embedding = nn.Parameter(torch.empty(self.context_length, tcfg["width"]))
                self.ln_final = LayerNorm(tcfg["width"])
                self.text_projection = nn.Parameter(torch.empty(tcfg["width"], cfg["embed_dim"]))
                self.logit_scale = nn.Parameter(torch.ones([]))

            def build_attention_mask(self):
                mask = torch.empty(self.context_length, self.context_length)
                mask.fill_(float("-inf"))
                mask.triu_(1)
                return mask

            def encode_image(self, image):
                return self.visual(image)

            def encode_text(self, text):
                x = self.token_embedding(text) + self.positional_embedding
                x = self.transformer(x.permute(1, 0, 2)).permute(1, 0, 2)
                x = self.ln_final(x)
                # OpenAI pools at argmax of the ids (its end token has the highest id); ours at the first end token.
                # Our tokenizer gives the end token the highest id too, so both pick the same place: checked here.
                ends = text.argmax(dim=-1)
                assert torch.equal(ends, text.eq(end_id).int().argmax(dim=-1)), "end positions differ"
                return x[torch.arange(x.shape[0]), ends] @ self.text_projection

        def read_safetensors(path):
            # The format by hand (Debian has no safetensors package): a little-endian u64 header length, a JSON header
            # of dtype, shape and [begin, end) offsets, then the bytes.
            dtypes = {"F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16, "F64": torch.float64}
            data = open(path, "rb").read()
            (n,) = struct.unpack("<Q", data[:8])
            header = json.loads(data[8:8 + n])
            body = bytearray(data[8 + n:])
            state = OrderedDict()
            for name, entry in header.items():
                if name == "__metadata__":
                    continue
                begin, end = entry["data_offsets"]
                tensor = torch.frombuffer(body[begin:end], dtype=dtypes[entry["dtype"]]) if end > begin else torch.empty(0, dtype=dtypes[entry["dtype"]])
                state[name] = tensor.reshape(entry["shape"]).clone()
            return state

        state = read_safetensors(weights) if weights.endswith(".safetensors") else torch.load(weights, map_location="cpu")
        model = CLIP().eval()
        model.load_state_dict(state, strict=True)

        n = cfg["vision_cfg"]["image_size"]
        images = torch.frombuffer(bytearray(open(images_path, "rb").read()), dtype=torch.float32).reshape(-1, 3, n, n)
        tokens = torch.frombuffer(bytearray(open(tokens_path, "rb").read()), dtype=torch.int64).reshape(-1, tcfg["context_length"])
        with torch.no_grad():
            image_features = F.normalize(model.encode_image(images), dim=-1)
            text_features = F.normalize(model.encode_text(tokens), dim=-1)
        for name, features in (("image", image_features), ("text", text_features)):
            values = features.flatten().tolist()
            open(f"{out_dir}/{name}_embeddings.f32", "wb").write(struct.pack(f"<{len(values)}f", *values))
        print(json.dumps({"torch": torch.__version__, "tensors": len(state), "logit_scale": model.logit_scale.item()}))
        """;
}
