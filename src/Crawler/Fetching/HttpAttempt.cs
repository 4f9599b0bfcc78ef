namespace Pipeline.Crawler.Fetching;

/// <summary>What one HTTP request returned: a redirect, an error status, or a body that passed the limits, with the consent headers it carried.</summary>
internal sealed record HttpAttempt(int Status, Uri? Location, TimeSpan? RetryAfter, string? ContentType, byte[]? Body, string? XRobotsTag = null, string? TdmReservation = null);
