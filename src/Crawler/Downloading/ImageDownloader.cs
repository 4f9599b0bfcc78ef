using System.Diagnostics;
using Pipeline.Crawler.Fetching;
using Pipeline.Crawler.Images;

namespace Pipeline.Crawler.Downloading;

/// <summary>
/// Fetches an image URL and processes the bytes. Downloads run as concurrently as the caller asks (they mostly
/// wait), but at most <c>processingThreads</c> images decode at once, which bounds CPU contention and the memory
/// of decoded pixels however many downloads are in flight.
/// </summary>
public sealed class ImageDownloader(HttpFetcher fetcher, ImageProcessor processor, int processingThreads) : IDisposable
{
    private readonly SemaphoreSlim _processing = new(Math.Max(1, processingThreads));

    /// <summary>Downloads and processes <paramref name="url"/>; only cancellation throws.</summary>
    public async Task<ImageDownload> DownloadAsync(string url, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var fetch = await fetcher.FetchAsync(url, cancellationToken);
        if (!fetch.Succeeded)
        {
            return new ImageDownload(url, fetch.Error, fetch.Reason, fetch.HttpStatus, 0, null, clock.Elapsed);
        }

        var body = fetch.Body!;
        var fetchedAt = DateTimeOffset.UtcNow;
        await _processing.WaitAsync(cancellationToken);
        try
        {
            var image = processor.Process(body);
            return new ImageDownload(url, FetchErrorClass.None, null, fetch.HttpStatus, body.Length, image, clock.Elapsed) { Consent = fetch.Consent, FetchedAt = fetchedAt };
        }
        catch (ImageRejectedException ex)
        {
            return new ImageDownload(url, ex.ErrorClass, $"{fetch.FinalUrl}: {ex.Message}", fetch.HttpStatus, body.Length, null, clock.Elapsed);
        }
        finally
        {
            _processing.Release();
        }
    }

    /// <inheritdoc/>
    public void Dispose() => _processing.Dispose();
}
