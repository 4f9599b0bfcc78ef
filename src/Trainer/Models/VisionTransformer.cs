using Pipeline.Trainer.Runtime;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Pipeline.Trainer.Models;

/// <summary>
/// The ViT image encoder (Dosovitskiy et al.) as CLIP uses it: non-overlapping patches embedded by a strided
/// convolution, a learned class token and positions, a pre-LN before the transformer, and the class token's
/// final state, normalised, projected into the joint embedding.
/// </summary>
public sealed class VisionTransformer : nn.Module<Tensor, Tensor>
{
    private readonly Conv2d conv1;
    private readonly Parameter class_embedding;
    private readonly Parameter positional_embedding;
    private readonly LayerNorm ln_pre;
    private readonly Transformer transformer;
    private readonly LayerNorm ln_post;
    private readonly Parameter proj;

    public VisionTransformer(ClipConfig config) : base(nameof(VisionTransformer))
    {
        ArgumentNullException.ThrowIfNull(config);
        var width = config.VisionWidth;
        var scale = Math.Pow(width, -0.5);
        conv1 = nn.Conv2d(3, width, kernel_size: config.PatchSize, stride: config.PatchSize, bias: false);
        class_embedding = new Parameter(empty(width));
        positional_embedding = new Parameter(empty((config.Grid * config.Grid) + 1, width));
        ln_pre = nn.LayerNorm(width);
        transformer = new Transformer(width, config.VisionLayers, config.VisionHeads, causal: false);
        ln_post = nn.LayerNorm(width);
        proj = new Parameter(empty(width, config.EmbedDim));
        using (no_grad())
        {
            // CLIP's initialisation: normal with deviation width^-0.5.
            nn.init.normal_(class_embedding, std: scale);
            nn.init.normal_(positional_embedding, std: scale);
            nn.init.normal_(proj, std: scale);
        }

        RegisterComponents();
    }

    /// <summary>The blocks' transformer, e.g. to checkpoint its activations.</summary>
    internal Transformer Transformer => transformer;

    /// <summary>Images [B, 3, S, S] (normalised, any float type: cast to the weights') to embeddings [B, EmbedDim].</summary>
    public override Tensor forward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var weights = conv1.weight!.dtype;
        var patches = conv1.forward(input.dtype == weights ? input : input.to(weights)).flatten(2).transpose(1, 2); // [B, grid², W]
        var classToken = class_embedding.expand(patches.shape[0], 1, -1);
        var x = cat([classToken, patches], dim: 1).add(positional_embedding, HeldScalars.One);
        x = transformer.forward(ln_pre.forward(x));
        return ln_post.forward(x[.., 0, ..]).matmul(proj);
    }
}
