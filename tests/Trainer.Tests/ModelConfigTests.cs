using Pipeline.Trainer.Models;

namespace Pipeline.Trainer.Tests;

/// <summary>Model configurations as open_clip model-config files: the shipped ones, their parameter counts, a user's own.</summary>
public sealed class ModelConfigTests
{
    [Theory]
    [InlineData("ViT-B/16", 149_620_737)]
    [InlineData("ViT-L/14", 427_616_513)]
    public void The_shipped_ViT_configurations_build_models_with_the_parameter_counts_of_OpenAIs_checkpoints(string name, long parameters)
    {
        // The sums over the tensors of OpenAI's released state dicts.
        using var model = new ClipModel(ClipConfig.Named(name), endId: 49_407);
        Assert.Equal(parameters, model.parameters().Sum(p => p.numel()));
    }

    [Fact]
    public void Every_shipped_configuration_is_an_open_clip_file_that_reads_back_to_the_same_sizes()
    {
        Assert.Equal(["tiny", "small", "ViT-B/32", "ViT-B/16", "ViT-L/14"], ClipConfig.All.Select(c => c.Name));
        foreach (var config in ClipConfig.All)
        {
            var json = OpenClipModelConfig.Write(config);
            Assert.Equal(config, OpenClipModelConfig.Parse(json, config.Name, "written"));
            Assert.Equal(config with { Name = "custom" }, ClipConfig.Resolve(json));
        }

        // open_clip's own ViT-B-32.json (its defaults: 64-wide heads, context 77, vocabulary 49,408) is CLIP's ViT-B/32.
        const string OpenClipVitB32 = """
            {
                "embed_dim": 512,
                "vision_cfg": { "image_size": 224, "layers": 12, "width": 768, "patch_size": 32 },
                "text_cfg": { "context_length": 77, "vocab_size": 49408, "width": 512, "heads": 8, "layers": 12 }
            }
            """;
        Assert.Equal(ClipConfig.VitB32, OpenClipModelConfig.Parse(OpenClipVitB32, "ViT-B/32", "ViT-B-32.json"));
    }

    [Theory]
    [InlineData("""{ "embed_dim": 64, "vision_cfg": { "image_size": 32, "layers": 2, "width": 64, "patch_size": 8, "timm_model_name": "vit" }, "text_cfg": { "width": 64, "heads": 2, "layers": 2 } }""", "my.json: vision_cfg.timm_model_name is not supported")]
    [InlineData("""{ "embed_dim": 64, "quick_gelu": true, "vision_cfg": { "image_size": 32, "layers": 2, "width": 64, "patch_size": 8 }, "text_cfg": { "width": 64, "heads": 2, "layers": 2 } }""", "my.json: quick_gelu: this trainer's models use GELU")]
    [InlineData("""{ "vision_cfg": { "image_size": 32, "layers": 2, "width": 64, "patch_size": 8 }, "text_cfg": { "width": 64, "heads": 2, "layers": 2 } }""", "my.json: embed_dim is missing")]
    [InlineData("""{ "embed_dim": 64, "vision_cfg": { "image_size": 30, "layers": 2, "width": 64, "patch_size": 8 }, "text_cfg": { "width": 64, "heads": 2, "layers": 2 } }""", "my.json: custom: image size 30 is not a multiple of patch size 8")]
    [InlineData("""{ "embed_dim": "wide", "vision_cfg": { "image_size": 32, "layers": 2, "width": 64, "patch_size": 8 }, "text_cfg": { "width": 64, "heads": 2, "layers": 2 } }""", "my.json: embed_dim must be a positive whole number, got \"wide\"")]
    [InlineData("""{ "embed_dim": 64,""", "my.json: not valid JSON")]
    [InlineData("""{ "embed_dim": 64, "init_logit_bias": "low", "vision_cfg": { "image_size": 32, "layers": 2, "width": 64, "patch_size": 8 }, "text_cfg": { "width": 64, "heads": 2, "layers": 2 } }""", "my.json: init_logit_bias must be a number, got \"low\"")]
    public void A_configuration_this_trainer_cannot_build_is_refused_naming_the_file_and_key(string json, string message)
    {
        var error = Assert.Throws<ArgumentException>(() => OpenClipModelConfig.Parse(json, "custom", "my.json"));
        Assert.StartsWith(message, error.Message, StringComparison.Ordinal);
    }
}
