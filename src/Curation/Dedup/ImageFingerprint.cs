namespace Pipeline.Curation.Dedup;

/// <summary>
/// What near-duplicate detection keeps of an image beyond its hashes: the original size, an 8×8 sRGB thumbnail
/// (colour), the 32×32 grey thumbnail the perceptual hash is taken of and a 16×16 chroma thumbnail (finer
/// structure, so that a symbol in a hue of the same lightness still shows), all of the image squeezed to a square
/// with transparency flattened on white. 1,736 bytes; <see cref="NearHash"/> is derived from it.
/// </summary>
/// <param name="Width">Original width in pixels, 0 when unknown.</param>
/// <param name="Height">Original height in pixels, 0 when unknown.</param>
/// <param name="Colour">The colour thumbnail, row by row, three bytes (R, G, B) a pixel, <see cref="ColourLength"/> bytes.</param>
/// <param name="Grey">The grey thumbnail, row by row, <see cref="GreyLength"/> bytes.</param>
/// <param name="Chroma">The chroma thumbnail, row by row, two bytes a pixel (blue and red less grey, offset by 128), <see cref="ChromaLength"/> bytes.</param>
public sealed record ImageFingerprint(int Width, int Height, byte[] Colour, byte[] Grey, byte[] Chroma)
{
    /// <summary>Side of the colour thumbnail in pixels.</summary>
    public const int ColourSide = 8;

    /// <summary>Bytes of the colour thumbnail.</summary>
    public const int ColourLength = ColourSide * ColourSide * 3;

    /// <summary>Side of the grey thumbnail in pixels.</summary>
    public const int GreySide = 32;

    /// <summary>Bytes of the grey thumbnail.</summary>
    public const int GreyLength = GreySide * GreySide;

    /// <summary>Side of the chroma thumbnail in pixels.</summary>
    public const int ChromaSide = 16;

    /// <summary>Bytes of the chroma thumbnail.</summary>
    public const int ChromaLength = ChromaSide * ChromaSide * 2;

    private ulong? _nearHash;

    /// <summary>The candidate hash near-duplicate search indexes (see <see cref="NearDuplicateHash"/>).</summary>
    public ulong NearHash => _nearHash ??= NearDuplicateHash.Of(Colour);

    /// <summary>Whether both fingerprints hold the same size and pixels.</summary>
    public bool Equals(ImageFingerprint? other) =>
        other is not null && Width == other.Width && Height == other.Height && Colour.AsSpan().SequenceEqual(other.Colour)
        && Grey.AsSpan().SequenceEqual(other.Grey) && Chroma.AsSpan().SequenceEqual(other.Chroma);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Width, Height, NearHash);
}
