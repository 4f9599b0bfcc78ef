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
    /// <summary>
    /// The configurations shipped with the program, open_clip model-config files embedded in it
    /// (<c>src/Trainer/Models/Configs/</c>): tiny, small, ViT-B/32, ViT-B/16 and ViT-L/14.
    /// </summary>
    public static IReadOnlyList<ClipConfig> All { get; } =
    [
        Shipped("tiny", "tiny.json"),
        Shipped("small", "small.json"),
        Shipped("ViT-B/32", "ViT-B-32.json"),
        Shipped("ViT-B/16", "ViT-B-16.json"),
        Shipped("ViT-L/14", "ViT-L-14.json"),
    ];

    /// <summary>A few-second-per-hundred-steps model for CPU tests: 32-pixel images, 2 layers of width 64.</summary>
    public static ClipConfig Tiny => All[0];

    /// <summary>A small model that trains on a CPU cluster or one GPU: 64-pixel images, 4 layers of width 256.</summary>
    public static ClipConfig Small => All[1];

    /// <summary>CLIP's ViT-B/32 at the paper's sizes.</summary>
    public static ClipConfig VitB32 => All[2];

    /// <summary>Patches per image side.</summary>
    public int Grid => ImageSize / PatchSize;

    /// <summary>
    /// The configuration a setting names: a shipped one by name (<see cref="Named"/>), or one given as open_clip
    /// model-config JSON text (starting with <c>{</c>; its name is <c>custom</c>).
    /// </summary>
    /// <exception cref="ArgumentException">No shipped configuration has that name, or the JSON is not a configuration this trainer builds.</exception>
    public static ClipConfig Resolve(string nameOrJson)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(nameOrJson);
        return nameOrJson.TrimStart().StartsWith('{') ? OpenClipModelConfig.Parse(nameOrJson, "custom", "model configuration") : Named(nameOrJson);
    }

    /// <summary>Whether <see cref="Resolve"/> accepts <paramref name="nameOrJson"/>.</summary>
    public static bool IsResolvable(string? nameOrJson, out string? problem)
    {
        problem = null;
        if (string.IsNullOrWhiteSpace(nameOrJson))
        {
            problem = "empty";
            return false;
        }

        try
        {
            Resolve(nameOrJson);
            return true;
        }
        catch (ArgumentException ex)
        {
            problem = ex.Message;
            return false;
        }
    }

    /// <summary>The configuration called <paramref name="name"/> (case-insensitive).</summary>
    /// <exception cref="ArgumentException">No configuration has that name.</exception>
    public static ClipConfig Named(string name) =>
        All.FirstOrDefault(c => string.Equals(c.Name, name, StringComparison.OrdinalIgnoreCase))
        ?? throw new ArgumentException($"no model configuration '{name}'; known: {KnownNames}");

    /// <summary>The names <see cref="Named"/> knows, for messages.</summary>
    public static string KnownNames => string.Join(", ", All.Select(c => c.Name));

    /// <summary>Whether <see cref="Named"/> knows <paramref name="name"/>.</summary>
    public static bool IsKnown(string? name) => All.Any(c => string.Equals(c.Name, name, StringComparison.OrdinalIgnoreCase));

    private static ClipConfig Shipped(string name, string file)
    {
        using var stream = typeof(ClipConfig).Assembly.GetManifestResourceStream($"model-configs/{file}")
            ?? throw new InvalidOperationException($"model configuration {file} is not embedded");
        using var reader = new StreamReader(stream);
        return OpenClipModelConfig.Parse(reader.ReadToEnd(), name, file);
    }

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
