using System.Text.Json;
using System.Text.Json.Serialization;

namespace Pipeline.Benchmarks;

/// <summary>One benchmark result beside its same-run baseline; printed as one JSON line.</summary>
/// <param name="Bench">What was measured.</param>
/// <param name="Operations">How many operations each side ran.</param>
/// <param name="OpsPerSecond">Throughput of the measured code.</param>
/// <param name="Baseline">What the baseline does.</param>
/// <param name="BaselineOpsPerSecond">Throughput of the baseline in the same run.</param>
internal sealed record BenchResult(string Bench, int Operations, double OpsPerSecond, string Baseline, double BaselineOpsPerSecond)
{
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    /// <summary>Measured throughput over baseline throughput: 1.0 means as fast as the baseline.</summary>
    [JsonPropertyName("ratio")]
    public double Ratio => Math.Round(OpsPerSecond / BaselineOpsPerSecond, 3);

    public string ToJson() => JsonSerializer.Serialize(this, Json);
}
