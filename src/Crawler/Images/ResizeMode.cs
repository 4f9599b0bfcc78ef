namespace Pipeline.Crawler.Images;

/// <summary>img2dataset's resize modes, with its meanings.</summary>
public enum ResizeMode
{
    /// <summary>Keep the size; only validate and re-encode.</summary>
    No,

    /// <summary>Fit the larger side to the size, then pad with black to a size × size square.</summary>
    Border,

    /// <summary>Scale so the smaller side equals the size, keeping the aspect ratio.</summary>
    KeepRatio,

    /// <summary>Scale so the larger side equals the size, keeping the aspect ratio.</summary>
    KeepRatioLargest,

    /// <summary>Scale so the smaller side equals the size, then cut the centred size × size square.</summary>
    CenterCrop,
}
