using System.Diagnostics.Metrics;

namespace Pipeline.Trainer.Telemetry;

/// <summary>The trainer's meter, <c>Pipeline.Trainer</c>: steps, the latest loss and throughput, zero-shot accuracy.</summary>
public static class TrainerMetrics
{
    /// <summary>The meter's name.</summary>
    public const string MeterName = "Pipeline.Trainer";

    private static readonly Meter Meter = new(MeterName);

    /// <summary>Training steps done in this process.</summary>
    public static readonly Counter<long> Steps = Meter.CreateCounter<long>("pipeline.trainer.steps", "{step}", "Training steps done");

    /// <summary>The loss of the latest step.</summary>
    public static readonly Gauge<double> Loss = Meter.CreateGauge<double>("pipeline.trainer.loss", null, "Contrastive loss of the latest step");

    /// <summary>Samples per second over the run so far.</summary>
    public static readonly Gauge<double> SamplesPerSecond = Meter.CreateGauge<double>("pipeline.trainer.samples_per_second", "{sample}/s", "Training samples per second over the run so far");

    /// <summary>The latest zero-shot evaluation, tagged <c>k</c> (1 or 5).</summary>
    public static readonly Gauge<double> ZeroShotAccuracy = Meter.CreateGauge<double>("pipeline.trainer.zero_shot_accuracy", "1", "Zero-shot top-k accuracy of the latest evaluation (0 to 1)");
}
