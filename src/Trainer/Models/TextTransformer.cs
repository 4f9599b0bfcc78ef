using Pipeline.Trainer.Runtime;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Pipeline.Trainer.Models;

/// <summary>
/// CLIP's text encoder: token and position embeddings, a causal transformer, a final layer norm, and the state
/// at the end token (which has seen the whole caption) projected into the joint embedding.
/// </summary>
public sealed class TextTransformer : nn.Module<Tensor, Tensor>
{
    private readonly Scalar _endId;
    private readonly Embedding token_embedding;
    private readonly Parameter positional_embedding;
    private readonly Transformer transformer;
    private readonly LayerNorm ln_final;
    private readonly Parameter text_projection;

    /// <param name="config">The sizes.</param>
    /// <param name="endId">The end token's id; its position is where the caption is pooled.</param>
    public TextTransformer(ClipConfig config, long endId) : base(nameof(TextTransformer))
    {
        ArgumentNullException.ThrowIfNull(config);
        _endId = endId.ToScalar(); // held by the module: libtorch reads it in every forward
        token_embedding = nn.Embedding(config.VocabularySize, config.TextWidth);
        positional_embedding = new Parameter(empty(config.ContextLength, config.TextWidth));
        transformer = new Transformer(config.TextWidth, config.TextLayers, config.TextHeads, causal: true);
        ln_final = nn.LayerNorm(config.TextWidth);
        text_projection = new Parameter(empty(config.TextWidth, config.EmbedDim));
        using (no_grad())
        {
            nn.init.normal_(token_embedding.weight!, std: 0.02);
            nn.init.normal_(positional_embedding, std: 0.01);
            nn.init.normal_(text_projection, std: Math.Pow(config.TextWidth, -0.5));
        }

        RegisterComponents();
    }

    /// <summary>The blocks' transformer, e.g. to checkpoint its activations.</summary>
    internal Transformer Transformer => transformer;

    /// <summary>Token ids [B, Context] (start, caption, end, zero padding) to embeddings [B, EmbedDim].</summary>
    public override Tensor forward(Tensor input)
    {
        var x = token_embedding.forward(input).add(positional_embedding, HeldScalars.One);
        x = ln_final.forward(transformer.forward(x));
        var endPositions = input.eq(_endId).to(ScalarType.Int32).argmax(-1);
        using var rows = x.shape[0].ToScalar();
        return x[arange(HeldScalars.Zero, rows, HeldScalars.One, device: x.device), endPositions].matmul(text_projection);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _endId.Dispose();
        }

        base.Dispose(disposing);
    }
}
