using System.Globalization;
using System.Text.RegularExpressions;
using Pipeline.Trainer.Models;
using static TorchSharp.torch;

namespace Pipeline.Trainer.Interop;

/// <summary>
/// Our <see cref="ClipModel"/>'s weights under OpenAI CLIP's state-dict names and shapes (open_clip uses the same for
/// its ViT CLIP), and back. The layouts agree except in names: our blocks hold <c>c_fc</c>/<c>c_proj</c> where
/// OpenAI's nest them in <c>mlp</c>; our attention's packed projection is a <c>Linear</c> called <c>in_proj</c> where
/// <c>nn.MultiheadAttention</c> has <c>in_proj_weight</c>/<c>in_proj_bias</c> (both [3W, W] with rows q, k, v and heads
/// contiguous within each, as ours); our text tower is a module <c>text</c> where OpenAI's lives at the top. The
/// projections <c>visual.proj</c> and <c>text_projection</c> are [width, embed] matrices applied as <c>x @ proj</c> in
/// both, so no tensor is transposed or split.
/// </summary>
public static partial class OpenAiStateDict
{
    /// <summary>The OpenAI name of one of our parameter names (<c>text.transformer.resblocks.0.c_fc.weight</c> to <c>transformer.resblocks.0.mlp.c_fc.weight</c>).</summary>
    public static string OpenAiName(string ourName)
    {
        ArgumentNullException.ThrowIfNull(ourName);
        var name = ourName.StartsWith("text.", StringComparison.Ordinal) ? ourName["text.".Length..] : ourName;
        name = name.Replace(".attn.in_proj.weight", ".attn.in_proj_weight", StringComparison.Ordinal)
            .Replace(".attn.in_proj.bias", ".attn.in_proj_bias", StringComparison.Ordinal);
        return BlockMlp().Replace(name, "${block}.mlp.${layer}.");
    }

    /// <summary>
    /// The model's weights as a state dict under OpenAI's names: detached, contiguous fp32 copies on the CPU, in the
    /// model's parameter order. The caller disposes the tensors.
    /// </summary>
    public static Dictionary<string, Tensor> FromModel(ClipModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var stateDict = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        using var noGrad = no_grad();
        foreach (var (name, parameter) in model.named_parameters())
        {
            // A fresh contiguous copy: the .pt writer stores the storage's bytes with the tensor's strides and offset.
            stateDict.Add(OpenAiName(name), parameter.detach().to(ScalarType.Float32, CPU, copy: true).contiguous());
        }

        return stateDict;
    }

    /// <summary>
    /// Copies <paramref name="stateDict"/> into <paramref name="model"/>, strictly: every parameter must be there with
    /// its shape, and nothing else may be. Floating-point tensors of any precision are cast to the model's.
    /// </summary>
    /// <param name="model">The model to fill, built from the configuration the weights came with.</param>
    /// <param name="stateDict">Tensors by OpenAI name.</param>
    /// <param name="source">The file the tensors came from, for messages.</param>
    /// <exception cref="InvalidDataException">A key is missing or unexpected, or a tensor has another shape or is not floating point; the message names the file and the key.</exception>
    public static void LoadInto(ClipModel model, IReadOnlyDictionary<string, Tensor> stateDict, string source)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(stateDict);
        var parameters = model.named_parameters().Select(p => (Name: OpenAiName(p.name), p.parameter)).ToList();
        var expected = parameters.Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
        var missing = parameters.Select(p => p.Name).Where(n => !stateDict.ContainsKey(n)).ToList();
        if (missing.Count > 0)
        {
            throw new InvalidDataException($"{source}: key {missing[0]} is missing{More(missing)}; the configuration's model ({Describe(model.Config)}) needs it");
        }

        var unexpected = stateDict.Keys.Where(k => !expected.Contains(k)).Order(StringComparer.Ordinal).ToList();
        if (unexpected.Count > 0)
        {
            throw new InvalidDataException($"{source}: unexpected key {unexpected[0]}{More(unexpected)}: the configuration's model ({Describe(model.Config)}) has no such weight");
        }

        foreach (var (name, parameter) in parameters)
        {
            var tensor = stateDict[name];
            if (!tensor.shape.SequenceEqual(parameter.shape))
            {
                throw new InvalidDataException($"{source}: {name} has shape {Shape(tensor.shape)}, the configuration's model ({Describe(model.Config)}) needs {Shape(parameter.shape)}");
            }

            if (!tensor.is_floating_point())
            {
                throw new InvalidDataException($"{source}: {name} holds {tensor.dtype}, not floating-point weights");
            }
        }

        using var noGrad = no_grad();
        foreach (var (name, parameter) in parameters)
        {
            parameter.copy_(stateDict[name]);
        }
    }

    private static string More(List<string> keys) => keys.Count > 1 ? string.Create(CultureInfo.InvariantCulture, $" (and {keys.Count - 1} more)") : "";

    private static string Shape(long[] shape) => $"[{string.Join(", ", shape)}]";

    private static string Describe(ClipConfig config) => string.Create(CultureInfo.InvariantCulture,
        $"embed {config.EmbedDim}, vision {config.VisionLayers}x{config.VisionWidth} at {config.ImageSize} px patch {config.PatchSize}, text {config.TextLayers}x{config.TextWidth} vocabulary {config.VocabularySize} context {config.ContextLength}");

    // A block's MLP layers, "...resblocks.N.c_fc." or "...resblocks.N.c_proj.", sit under "mlp" in OpenAI's blocks.
    [GeneratedRegex(@"(?<block>\.resblocks\.\d+)\.(?<layer>c_fc|c_proj)\.")]
    private static partial Regex BlockMlp();
}
