using Pipeline.Trainer.Runtime;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Pipeline.Trainer.Models;

/// <summary>A pre-LN transformer block: x + attn(ln_1(x)), then x + mlp(ln_2(x)) with a 4x GELU MLP.</summary>
public sealed class ResidualAttentionBlock : nn.Module<Tensor, Tensor>
{
    private readonly LayerNorm ln_1;
    private readonly SelfAttention attn;
    private readonly LayerNorm ln_2;
    private readonly Linear c_fc;
    private readonly GELU gelu;
    private readonly Linear c_proj;

    public ResidualAttentionBlock(int width, int heads, bool causal) : base(nameof(ResidualAttentionBlock))
    {
        ln_1 = nn.LayerNorm(width);
        attn = new SelfAttention(width, heads, causal);
        ln_2 = nn.LayerNorm(width);
        c_fc = nn.Linear(width, 4 * width);
        gelu = nn.GELU();
        c_proj = nn.Linear(4 * width, width);
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        var x = input.add(attn.forward(ln_1.forward(input)), HeldScalars.One);
        return x.add(c_proj.forward(gelu.forward(c_fc.forward(ln_2.forward(x)))), HeldScalars.One);
    }

    /// <summary>CLIP's initialisation: attention std width^-0.5, residual projections scaled down by depth.</summary>
    internal void Initialize(int width, int layers)
    {
        using var noGrad = no_grad();
        var projectionStd = Math.Pow(width, -0.5) * Math.Pow(2 * layers, -0.5);
        var (inProj, outProj) = attn.Projections;
        nn.init.normal_(inProj.weight, std: Math.Pow(width, -0.5));
        nn.init.normal_(outProj.weight, std: projectionStd);
        nn.init.normal_(c_fc.weight, std: Math.Pow(2 * width, -0.5));
        nn.init.normal_(c_proj.weight, std: projectionStd);
        foreach (var bias in new[] { inProj.bias, outProj.bias, c_fc.bias, c_proj.bias })
        {
            bias?.zero_();
        }
    }
}
