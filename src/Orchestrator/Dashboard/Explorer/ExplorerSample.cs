namespace Pipeline.Orchestrator.Dashboard.Explorer;

/// <summary>A committed sample as the explorer shows it.</summary>
/// <param name="Key">The sample key.</param>
/// <param name="Caption">Its caption (untrusted web text).</param>
/// <param name="Url">The image URL it was fetched from.</param>
/// <param name="Width">Stored image width.</param>
/// <param name="Height">Stored image height.</param>
/// <param name="ThumbnailUrl">Where its stored image is served, relative to the dashboard.</param>
public sealed record ExplorerSample(string Key, string Caption, string Url, int? Width, int? Height, string ThumbnailUrl);
