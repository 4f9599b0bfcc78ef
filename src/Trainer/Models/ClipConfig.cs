namespace Pipeline.Trainer.Models;

/// <summary>
/// The sizes of a CLIP model (Radford et al. 2021, table 20). <see cref="VocabularySize"/> follows the tokenizer
/// the model is trained with; the named configurations carry CLIP's 49,408 until one is given.
/// </summary>
public sealed record ClipConfig(
    string Name,
    int EmbedDim,
    int ImageSize,
    int PatchSize,
    int VisionWidth,
    int VisionLayers,
    int VisionHeads,
    int ContextLength,
    int VocabularySize,
    int TextWidth,
    int TextLayers,
    int TextHeads)
{
    /// <summary>A few-second-per-hundred-steps model for CPU tests: 32-pixel images, 2 layers of width 64.</summary>
    public static ClipConfig Tiny { get; } = new("tiny", 64, 32, 8, 64, 2, 2, 77, 49_408, 64, 2, 2);

    /// <summary>A small model that trains on a CPU cluster or one GPU: 64-pixel images, 4 layers of width 256.</summary>
    public static ClipConfig Small { get; } = new("small", 256, 64, 8, 256, 4, 4, 77, 49_408, 256, 4, 4);

    /// <summary>CLIP's ViT-B/32 at the paper's sizes.</summary>
    public static ClipConfig VitB32 { get; } = new("ViT-B/32", 512, 224, 32, 768, 12, 12, 77, 49_408, 512, 12, 8);

    /// <summary>The configurations <see cref="Named"/> knows.</summary>
    public static IReadOnlyList<ClipConfig> All { get; } = [Tiny, Small, VitB32];

    /// <summary>Patches per image side.</summary>
    public int Grid => ImageSize / PatchSize;

    /// <summary>The configuration called <paramref name="name"/> (case-insensitive).</summary>
    /// <exception cref="ArgumentException">No configuration has that name.</exception>
    public static ClipConfig Named(string name) =>
        All.FirstOrDefault(c => string.Equals(c.Name, name, StringComparison.OrdinalIgnoreCase))
        ?? throw new ArgumentException($"no model configuration '{name}'; known: {KnownNames}");

    /// <summary>The names <see cref="Named"/> knows, for messages.</summary>
    public static string KnownNames => string.Join(", ", All.Select(c => c.Name));

    /// <summary>Whether <see cref="Named"/> knows <paramref name="name"/>.</summary>
    public static bool IsKnown(string? name) => All.Any(c => string.Equals(c.Name, name, StringComparison.OrdinalIgnoreCase));

    /// <summary>Throws <see cref="ArgumentException"/> naming the first inconsistent size.</summary>
    public void Validate()
    {
        if (ImageSize % PatchSize != 0)
        {
            throw new ArgumentException($"{Name}: image size {ImageSize} is not a multiple of patch size {PatchSize}");
        }

        if (VisionWidth % VisionHeads != 0 || TextWidth % TextHeads != 0)
        {
            throw new ArgumentException($"{Name}: a width is not a multiple of its head count");
        }

        if (VocabularySize < 514 || ContextLength < 2 || EmbedDim < 1)
        {
            throw new ArgumentException($"{Name}: vocabulary {VocabularySize}, context {ContextLength} or embedding {EmbedDim} is too small");
        }
    }
}
