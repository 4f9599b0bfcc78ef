namespace Pipeline.Benchmarks;

/// <summary>How the scale harness runs the stages of one size.</summary>
/// <param name="Suffix">Appended to each stage's name in its JSON line (e.g. <c>-cluster</c>).</param>
/// <param name="ClusterArgs">Appended to the commands that can spread their work over a cluster (match, balance, filter, dedup, refill).</param>
/// <param name="HttpFetch">Whether the real HTTP fetch runs (up to its limit).</param>
/// <param name="Environment">Extra environment of every stage's process (configuration keys as PIPELINE_ variables).</param>
internal sealed record ScaleRunMode(string Suffix, IReadOnlyList<string> ClusterArgs, bool HttpFetch, IReadOnlyDictionary<string, string> Environment)
{
    /// <summary>Every stage in its own process, no cluster.</summary>
    public static ScaleRunMode OneProcess { get; } = new("", [], HttpFetch: true, new Dictionary<string, string>());
}
