namespace Pipeline.Crawler.Sources.Warc;

/// <summary>One WARC record: its named header fields and its content block.</summary>
/// <param name="Offset">Where it starts: the gzip member's offset in a compressed file, the record's own in a plain one.</param>
/// <param name="Headers">Header fields, names compared case-insensitively (the last of repeated names wins).</param>
/// <param name="Block">The content block, Content-Length bytes.</param>
public sealed record WarcRecord(long Offset, IReadOnlyDictionary<string, string> Headers, byte[] Block)
{
    /// <summary>WARC-Type: warcinfo, request, response, metadata, ...</summary>
    public string Type => Headers.GetValueOrDefault("WARC-Type") ?? string.Empty;

    /// <summary>WARC-Target-URI, without the angle brackets some writers add.</summary>
    public string? TargetUri => Headers.GetValueOrDefault("WARC-Target-URI")?.Trim('<', '>');

    /// <summary>Content-Type of the block.</summary>
    public string? ContentType => Headers.GetValueOrDefault("Content-Type");
}
