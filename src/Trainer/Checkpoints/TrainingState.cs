using Pipeline.Trainer.Data;
using Pipeline.Trainer.Evaluation;
using Pipeline.Trainer.Training;

namespace Pipeline.Trainer.Checkpoints;

/// <summary>What a checkpoint holds besides the weights and the optimizer's moments.</summary>
/// <param name="Step">Steps completed; training resumes at this step.</param>
/// <param name="Config">The model configuration as the training setting gave it: a shipped name, or open_clip model-config JSON (<see cref="Models.ClipConfig.Resolve"/>).</param>
/// <param name="WorldSize">Ranks of the run that wrote it; a resume must use as many.</param>
/// <param name="GlobalBatch">Samples per step.</param>
/// <param name="Seed">The run's seed.</param>
/// <param name="RngState">libtorch's CPU generator state, base64.</param>
/// <param name="Positions">Each rank's data position after the step.</param>
/// <param name="Loss">The loss the run trains with (checkpoints written before it existed read as CLIP's); SigLIP's models carry a bias.</param>
/// <param name="Precision">The format the run computed in; the weights and moments are fp32 master copies whatever it was.</param>
/// <param name="LossScale">fp16's loss scale after the step, or null for fp32 and bf16.</param>
/// <param name="LossScaleCleanSteps">Clean steps since the loss scale last changed.</param>
/// <param name="ImportedFrom">
/// The model file an imported checkpoint was made from (<c>pipeline train import</c>), or null for a training run's:
/// such a checkpoint holds weights only (no optimizer moments, data positions or generator state), and training from
/// it starts at step 0 with any batch and world size.
/// </param>
/// <param name="Evaluation">
/// The zero-shot result of these weights, for the run's best checkpoint (<see cref="CheckpointStore.BestFolder"/>); null for
/// the others. A best checkpoint holds weights only (no optimizer moments or data positions): it is for export and
/// evaluation, not for resuming.
/// </param>
public sealed record TrainingState(
    int Step,
    string Config,
    int WorldSize,
    int GlobalBatch,
    ulong Seed,
    string RngState,
    IReadOnlyList<LoaderPosition> Positions,
    ContrastiveLoss Loss = ContrastiveLoss.Clip,
    TrainingPrecision Precision = TrainingPrecision.Fp32,
    double? LossScale = null,
    int LossScaleCleanSteps = 0,
    string? ImportedFrom = null,
    ZeroShotResult? Evaluation = null);
