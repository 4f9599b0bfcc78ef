namespace Pipeline.Benchmarks;

/// <summary>What the scale harness's generated web answers for one image URL.</summary>
/// <param name="Status">HTTP status.</param>
/// <param name="ContentType">Declared content type (the crawler sniffs the bytes and ignores it).</param>
/// <param name="Body">The body.</param>
internal sealed record ScaleResponse(int Status, string ContentType, byte[] Body);
