using Pipeline.Trainer.Runtime;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Pipeline.Trainer.Models;

/// <summary>
/// CLIP: an image encoder, a text encoder and a learned temperature, with L2-normalised embeddings compared by cosine
/// similarity; for SigLIP's loss also a learned bias (<c>logit_bias</c>), and the temperature starts at ln 10.
/// </summary>
public sealed class ClipModel : nn.Module<Tensor, Tensor, (Tensor Images, Tensor Texts)>
{
    /// <summary>The initial logit scale, ln(1/0.07).</summary>
    public static readonly double InitialLogitScale = Math.Log(1 / 0.07);

    /// <summary>The largest logit scale, ln(100); the scale is clamped to it after every step.</summary>
    public static readonly double MaxLogitScale = Math.Log(100);

    // Held for the process: libtorch reads it during the clamp (see HeldScalars).
    private static readonly Scalar MaxLogitScaleScalar = MaxLogitScale.ToScalar();

    private readonly VisionTransformer visual;
    private readonly TextTransformer text;
    private readonly Parameter logit_scale;
    private readonly Parameter? logit_bias;

    /// <summary>A model of <paramref name="config"/>, with SigLIP's bias and initial temperature when <paramref name="sigmoidLoss"/>.</summary>
    public ClipModel(ClipConfig config, long endId, bool sigmoidLoss = false) : base(nameof(ClipModel))
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        Config = config;
        visual = new VisionTransformer(config);
        text = new TextTransformer(config, endId);
        logit_scale = new Parameter(tensor((float)(sigmoidLoss ? SigLipInitialLogitScale : InitialLogitScale)));
        logit_bias = sigmoidLoss ? new Parameter(tensor((float)SigLipInitialLogitBias)) : null;
        RegisterComponents();
    }

    /// <summary>SigLIP's initial log temperature, ln 10.</summary>
    public static double SigLipInitialLogitScale { get; } = Math.Log(10);

    /// <summary>SigLIP's initial bias, −10: at the start every pair looks like a non-match, as almost all are.</summary>
    public static double SigLipInitialLogitBias => -10;

    public ClipConfig Config { get; }

    /// <summary>The learned log temperature.</summary>
    public Parameter LogitScale => logit_scale;

    /// <summary>The learned bias of SigLIP's logits, or null for CLIP's loss.</summary>
    public Parameter? LogitBias => logit_bias;

    /// <summary>
    /// Whether both encoders' transformer blocks are checkpointed while gradients are recorded: a block keeps only its
    /// input and is run again in the backward pass (<see cref="BlockCheckpoint"/>), so training holds one block's
    /// activations at a time for about a third more compute. Off by default.
    /// </summary>
    public bool GradientCheckpointing
    {
        get => visual.Transformer.Checkpointing;
        set => visual.Transformer.Checkpointing = text.Transformer.Checkpointing = value;
    }

    /// <summary>Normalised image embeddings, in fp32 whatever the model computes in (the loss stays in fp32).</summary>
    public Tensor EncodeImage(Tensor images) => Normalized(visual.forward(images));

    /// <summary>Normalised caption embeddings, in fp32 whatever the model computes in.</summary>
    public Tensor EncodeText(Tensor tokens) => Normalized(text.forward(tokens));

    public override (Tensor Images, Tensor Texts) forward(Tensor images, Tensor tokens) => (EncodeImage(images), EncodeText(tokens));

    private static Tensor Normalized(Tensor features) =>
        nn.functional.normalize(features.dtype == ScalarType.Float32 ? features : features.to(ScalarType.Float32), dim: -1);

    /// <summary>Keeps the temperature within CLIP's bound: 0 ≤ logit scale ≤ ln(100).</summary>
    public void ClampLogitScale()
    {
        using var noGrad = no_grad();
        logit_scale.clamp_(HeldScalars.Zero, MaxLogitScaleScalar);
    }

    /// <summary>Parameters AdamW decays: weights of linear, convolution and embedding layers and the projections, not gains, biases or the logit scale.</summary>
    public IEnumerable<Parameter> DecayedParameters() => named_parameters().Where(p => Decays(p.name, p.parameter)).Select(p => p.parameter);

    /// <summary>Every other parameter.</summary>
    public IEnumerable<Parameter> UndecayedParameters() => named_parameters().Where(p => !Decays(p.name, p.parameter)).Select(p => p.parameter);

    // open_clip's rule: parameters with fewer than two dimensions (gains, biases, the logit scale, the class token)
    // and layer norms are exempt.
    private static bool Decays(string name, Parameter parameter) =>
        parameter.dim() >= 2 && !name.Contains("ln_", StringComparison.Ordinal) && !name.Contains("logit_scale", StringComparison.Ordinal);
}
