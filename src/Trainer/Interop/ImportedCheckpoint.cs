using Pipeline.Trainer.Training;

namespace Pipeline.Trainer.Interop;

/// <summary>What an import wrote into a run folder.</summary>
/// <param name="Checkpoint">The checkpoint folder (<c>RUN/checkpoints/step-00000000</c>), weights only.</param>
/// <param name="Config">The model configuration, <c>RUN/model.json</c>: pass it as <c>--model</c> to train from the checkpoint.</param>
/// <param name="TokenizerFolder">The tokenizer's files, <c>RUN/tokenizer</c>, where training and evaluation look for them.</param>
/// <param name="Loss">The loss the weights fit: SigLIP's when the model has a learned bias, CLIP's otherwise.</param>
public sealed record ImportedCheckpoint(string Checkpoint, string Config, string TokenizerFolder, ContrastiveLoss Loss);
