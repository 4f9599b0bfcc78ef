namespace Pipeline.Trainer.Training;

/// <summary>The floating-point format a run computes its forward and backward passes in.</summary>
public enum TrainingPrecision
{
    /// <summary>Everything in fp32. The default.</summary>
    Fp32,

    /// <summary>Forward and backward in bfloat16 over fp32 master weights; no loss scaling (bf16 has fp32's range).</summary>
    Bf16,

    /// <summary>Forward and backward in float16 over fp32 master weights, with a dynamic loss scale against underflow.</summary>
    Fp16,
}
