namespace Pipeline.Trainer.Training;

/// <summary>Which contrastive loss a run trains with.</summary>
public enum ContrastiveLoss
{
    /// <summary>CLIP's symmetric softmax cross-entropy over the global batch (<see cref="ClipLoss"/>). The default.</summary>
    Clip,

    /// <summary>SigLIP's pairwise sigmoid loss with a learned bias (<see cref="SigLipLoss"/>).</summary>
    SigLip,
}
