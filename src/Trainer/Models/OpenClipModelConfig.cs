using System.Text.Json;
using System.Text.Json.Nodes;

namespace Pipeline.Trainer.Models;

/// <summary>
/// Reads and writes model configurations in open_clip's model-config JSON form (<c>embed_dim</c>, <c>vision_cfg</c>,
/// <c>text_cfg</c>), for the architecture this trainer builds: OpenAI's ViT CLIP with GELU. A key that would ask for
/// another architecture (a timm or Hugging Face tower, QuickGELU, a different MLP ratio) is refused by name.
/// </summary>
public static class OpenClipModelConfig
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    // init_logit_bias: open_clip's SigLIP models declare their learned bias (and its start) with it.
    private static readonly HashSet<string> TopKeys = ["embed_dim", "vision_cfg", "text_cfg", "quick_gelu", "init_logit_bias"];
    private static readonly HashSet<string> VisionKeys = ["image_size", "layers", "width", "patch_size", "head_width", "mlp_ratio", "patch_dropout"];
    private static readonly HashSet<string> TextKeys = ["context_length", "vocab_size", "width", "heads", "layers", "mlp_ratio"];

    /// <summary>Parses <paramref name="json"/> into a configuration called <paramref name="name"/>.</summary>
    /// <param name="json">The JSON text.</param>
    /// <param name="name">The configuration's name.</param>
    /// <param name="source">Where the text came from (a file), for messages.</param>
    /// <exception cref="ArgumentException">Not valid JSON, a key missing, unsupported or out of range; the message names the source and the key.</exception>
    public static ClipConfig Parse(string json, string name, string source)
    {
        JsonObject root;
        try
        {
            root = JsonNode.Parse(json) as JsonObject ?? throw new ArgumentException($"{source}: a model configuration is a JSON object");
        }
        catch (JsonException ex)
        {
            throw new ArgumentException($"{source}: not valid JSON: {ex.Message}", ex);
        }

        Check(root, TopKeys, "", source);
        if (root["quick_gelu"] is { } quick && quick.GetValueKind() == JsonValueKind.True)
        {
            throw new ArgumentException($"{source}: quick_gelu: this trainer's models use GELU; QuickGELU is not supported");
        }

        if (root["init_logit_bias"] is { } bias && bias.GetValueKind() != JsonValueKind.Number)
        {
            throw new ArgumentException($"{source}: init_logit_bias must be a number, got {bias.ToJsonString()}");
        }

        var vision = Section(root, "vision_cfg", source);
        var text = Section(root, "text_cfg", source);
        Check(vision, VisionKeys, "vision_cfg.", source);
        Check(text, TextKeys, "text_cfg.", source);
        foreach (var (section, prefix) in new[] { (vision, "vision_cfg."), (text, "text_cfg.") })
        {
            if (section["mlp_ratio"] is { } ratio && ratio.GetValue<double>() != 4)
            {
                throw new ArgumentException($"{source}: {prefix}mlp_ratio: only 4 is supported, got {ratio}");
            }
        }

        var visionWidth = Int(vision, "width", "vision_cfg.", source, null);
        var headWidth = Int(vision, "head_width", "vision_cfg.", source, 64);
        if (visionWidth % headWidth != 0)
        {
            throw new ArgumentException($"{source}: vision_cfg.width {visionWidth} is not a multiple of vision_cfg.head_width {headWidth}");
        }

        var config = new ClipConfig(
            name,
            Int(root, "embed_dim", "", source, null),
            Int(vision, "image_size", "vision_cfg.", source, null),
            Int(vision, "patch_size", "vision_cfg.", source, null),
            visionWidth,
            Int(vision, "layers", "vision_cfg.", source, null),
            visionWidth / headWidth,
            Int(text, "context_length", "text_cfg.", source, 77),
            Int(text, "vocab_size", "text_cfg.", source, 49_408),
            Int(text, "width", "text_cfg.", source, null),
            Int(text, "layers", "text_cfg.", source, null),
            Int(text, "heads", "text_cfg.", source, 8));
        try
        {
            config.Validate();
        }
        catch (ArgumentException ex)
        {
            throw new ArgumentException($"{source}: {ex.Message}", ex);
        }

        return config;
    }

    /// <summary>
    /// The <c>init_logit_bias</c> of open_clip model-config JSON <paramref name="json"/>: a number for a model with
    /// SigLIP's learned bias, null for one without.
    /// </summary>
    /// <exception cref="ArgumentException">Not a JSON object, or the key is there and not a number.</exception>
    public static double? InitLogitBias(string json, string source)
    {
        JsonNode? node;
        try
        {
            node = (JsonNode.Parse(json) as JsonObject ?? throw new ArgumentException($"{source}: a model configuration is a JSON object"))["init_logit_bias"];
        }
        catch (JsonException ex)
        {
            throw new ArgumentException($"{source}: not valid JSON: {ex.Message}", ex);
        }

        return node switch
        {
            null => null,
            _ when node.GetValueKind() == JsonValueKind.Number => node.GetValue<double>(),
            _ => throw new ArgumentException($"{source}: init_logit_bias must be a number, got {node.ToJsonString()}"),
        };
    }

    /// <summary>
    /// The configuration in open_clip's form (what <see cref="Parse"/> reads back to the same sizes); with
    /// <paramref name="initLogitBias"/>, open_clip's key for a model with SigLIP's learned bias.
    /// </summary>
    public static string Write(ClipConfig config, double? initLogitBias = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        var root = new JsonObject
        {
            ["embed_dim"] = config.EmbedDim,
            ["vision_cfg"] = new JsonObject
            {
                ["image_size"] = config.ImageSize,
                ["layers"] = config.VisionLayers,
                ["width"] = config.VisionWidth,
                ["patch_size"] = config.PatchSize,
                ["head_width"] = config.VisionWidth / config.VisionHeads,
            },
            ["text_cfg"] = new JsonObject
            {
                ["context_length"] = config.ContextLength,
                ["vocab_size"] = config.VocabularySize,
                ["width"] = config.TextWidth,
                ["heads"] = config.TextHeads,
                ["layers"] = config.TextLayers,
            },
        };
        if (initLogitBias is { } bias)
        {
            root["init_logit_bias"] = bias;
        }

        return root.ToJsonString(Indented);
    }

    private static JsonObject Section(JsonObject root, string key, string source) =>
        root[key] as JsonObject ?? throw new ArgumentException($"{source}: {key} is missing or not an object");

    private static void Check(JsonObject section, HashSet<string> known, string prefix, string source)
    {
        foreach (var (key, _) in section)
        {
            if (!known.Contains(key))
            {
                throw new ArgumentException($"{source}: {prefix}{key} is not supported (this trainer builds OpenAI's ViT CLIP; known keys: {string.Join(", ", known.Order(StringComparer.Ordinal))})");
            }
        }
    }

    private static int Int(JsonObject section, string key, string prefix, string source, int? fallback)
    {
        var node = section[key];
        if (node is null)
        {
            return fallback ?? throw new ArgumentException($"{source}: {prefix}{key} is missing");
        }

        if (node.GetValueKind() != JsonValueKind.Number || !node.AsValue().TryGetValue<int>(out var value) || value < 1)
        {
            throw new ArgumentException($"{source}: {prefix}{key} must be a positive whole number, got {node.ToJsonString()}");
        }

        return value;
    }
}
