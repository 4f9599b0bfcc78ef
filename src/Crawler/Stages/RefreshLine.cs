namespace Pipeline.Crawler.Stages;

/// <summary>One committed sample's refresh result, a line of <c>refresh.jsonl</c>.</summary>
/// <param name="Key">The sample key.</param>
/// <param name="Url">The URL fetched again.</param>
/// <param name="Shard">The shard holding the sample.</param>
/// <param name="Status">The last HTTP status, if a response arrived.</param>
/// <param name="Error">The fetch error class, or null when an image came back.</param>
/// <param name="Class">What the refresh found.</param>
/// <param name="Reason">Why, for people: the fetch failure or the comparison.</param>
/// <param name="Distance">Hamming distance of the perceptual hashes, when an image came back.</param>
public sealed record RefreshLine(string Key, string Url, string Shard, int? Status, string? Error, RefreshClass Class, string Reason, int? Distance)
{
    /// <summary>Whether <c>--apply</c> drops the sample (dead or changed; unreachable ones stay).</summary>
    public bool Drops => Class is RefreshClass.Dead or RefreshClass.Changed;
}
