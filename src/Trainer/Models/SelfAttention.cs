using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Pipeline.Trainer.Models;

/// <summary>Multi-head self-attention: one projection to queries, keys and values, scaled dot-product attention per head, an output projection.</summary>
public sealed class SelfAttention : nn.Module<Tensor, Tensor>
{
    private readonly int _heads;
    private readonly bool _causal;
    private readonly Linear in_proj;
    private readonly Linear out_proj;

    public SelfAttention(int width, int heads, bool causal) : base(nameof(SelfAttention))
    {
        _heads = heads;
        _causal = causal;
        in_proj = nn.Linear(width, 3 * width);
        out_proj = nn.Linear(width, width);
        RegisterComponents();
    }

    /// <summary>The input and output projections, for the initialisation CLIP uses.</summary>
    internal (Linear In, Linear Out) Projections => (in_proj, out_proj);

    public override Tensor forward(Tensor input)
    {
        var (batch, tokens, width) = (input.shape[0], input.shape[1], input.shape[2]);
        // [B, T, 3W] -> [3, B, H, T, W/H]
        var qkv = in_proj.forward(input).view(batch, tokens, 3, _heads, width / _heads).permute(2, 0, 3, 1, 4);
        var attended = nn.functional.scaled_dot_product_attention(qkv[0], qkv[1], qkv[2], is_casual: _causal);
        return out_proj.forward(attended.transpose(1, 2).reshape(batch, tokens, width));
    }
}
