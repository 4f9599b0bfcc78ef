namespace Pipeline.Trainer.Interop;

/// <summary>The files an export wrote: the weights, open_clip's model config beside them, and the tokenizer's files.</summary>
/// <param name="Weights">The state-dict file (<c>.pt</c>, <c>.pth</c> or <c>.safetensors</c>).</param>
/// <param name="Config">The model configuration in open_clip's form, <c>STEM.json</c> beside the weights.</param>
/// <param name="Vocabulary">The tokenizer's <c>vocab.json</c>, beside the weights.</param>
/// <param name="Merges">The tokenizer's <c>merges.txt</c>, beside the weights.</param>
/// <param name="Tensors">How many tensors the state dict holds.</param>
/// <param name="Parameters">How many numbers they hold together.</param>
/// <param name="Checkpoint">The checkpoint exported, when the export was of one.</param>
/// <param name="Step">That checkpoint's step.</param>
public sealed record ExportedModel(string Weights, string Config, string Vocabulary, string Merges, int Tensors, long Parameters, string? Checkpoint = null, int? Step = null);
