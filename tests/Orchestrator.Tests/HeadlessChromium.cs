using Microsoft.Playwright;

namespace Pipeline.Orchestrator.Tests;

/// <summary>Debian's Chromium driven by Playwright, headless, with the flags that keep it off a closed network; screenshots go to the test artifacts.</summary>
internal sealed class HeadlessChromium : IAsyncDisposable
{
    /// <summary>Debian's chromium package puts the browser here (infra/setup.sh installs it).</summary>
    public const string ExecutablePath = "/usr/bin/chromium";

    private readonly IPlaywright _playwright;

    private HeadlessChromium(IPlaywright playwright, IBrowser browser)
    {
        _playwright = playwright;
        Browser = browser;
    }

    /// <summary>The running browser.</summary>
    public IBrowser Browser { get; }

    /// <summary>Where screenshots are kept: artifacts/screenshots/ at the repository root.</summary>
    public static string ArtifactsDirectory { get; } = Path.Combine(
        new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Parent!.Parent!.FullName, "screenshots");

    public static async Task<HeadlessChromium> LaunchAsync()
    {
        Assert.True(File.Exists(ExecutablePath), $"{ExecutablePath} is missing: infra/setup.sh installs Debian's chromium package");
        var playwright = await Playwright.CreateAsync();
        try
        {
            var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
            {
                ExecutablePath = ExecutablePath,
                Headless = true,
                Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
            });
            return new HeadlessChromium(playwright, browser);
        }
        catch
        {
            playwright.Dispose();
            throw;
        }
    }

    /// <summary>
    /// A new page of <paramref name="width"/> x <paramref name="height"/> that refuses (and lists in Outside) every request not to
    /// 127.0.0.1, since anything else would need the internet, and lists the requests that failed.
    /// </summary>
    public async Task<(IPage Page, List<string> Outside, List<string> Failed)> NewLoopbackPageAsync(int width, int height)
    {
        var page = await Browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = width, Height = height } });
        var outside = new List<string>();
        var failed = new List<string>();
        await page.RouteAsync("**/*", async route =>
        {
            if (new Uri(route.Request.Url).Host != "127.0.0.1")
            {
                lock (outside)
                {
                    outside.Add(route.Request.Url);
                }

                await route.AbortAsync();
                return;
            }

            await route.ContinueAsync();
        });
        page.RequestFailed += (_, request) => failed.Add(request.Url);
        return (page, outside, failed);
    }

    /// <summary>Saves a full-page screenshot as <paramref name="name"/>.png among the artifacts and returns its path.</summary>
    public static async Task<string> ScreenshotAsync(IPage page, string name)
    {
        Directory.CreateDirectory(ArtifactsDirectory);
        var path = Path.Combine(ArtifactsDirectory, name + ".png");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
        return path;
    }

    public async ValueTask DisposeAsync()
    {
        await Browser.CloseAsync();
        _playwright.Dispose();
    }
}
