using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Pipeline.Trainer.Models;

/// <summary>A stack of <see cref="ResidualAttentionBlock"/>s, causal for text.</summary>
public sealed class Transformer : nn.Module<Tensor, Tensor>
{
    private readonly ModuleList<ResidualAttentionBlock> resblocks;

    public Transformer(int width, int layers, int heads, bool causal) : base(nameof(Transformer))
    {
        resblocks = nn.ModuleList([.. Enumerable.Range(0, layers).Select(_ => new ResidualAttentionBlock(width, heads, causal))]);
        foreach (var block in resblocks)
        {
            block.Initialize(width, layers);
        }

        RegisterComponents();
    }

    /// <summary>Whether blocks keep only their inputs while gradients are recorded (<see cref="BlockCheckpoint"/>).</summary>
    public bool Checkpointing { get; set; }

    public override Tensor forward(Tensor input)
    {
        var x = input;
        foreach (var block in resblocks)
        {
            x = Checkpointing && x.requires_grad && is_grad_enabled() ? BlockCheckpoint.Run(block, x) : block.forward(x);
        }

        return x;
    }
}
