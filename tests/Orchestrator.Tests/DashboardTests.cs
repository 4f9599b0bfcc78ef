using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using Microsoft.Playwright;
using Pipeline.TestServices;
using Xunit.Abstractions;

namespace Pipeline.Orchestrator.Tests;

/// <summary>The live dashboard: a running demo campaign watched in headless Chromium, and its token rules.</summary>
public sealed class DashboardTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Headless_chromium_sees_a_running_campaign_move_on_the_dashboard_with_no_internet()
    {
        using var folder = new TemporaryFolder();
        using var demo = PipelineExecutable.Start(
        [
            "demo", "--out", folder.Combine("out"), "--run-dir", folder.Combine("state"), "--per-category", "40", "--steps", "300",
            "--port", $"{FreePort.Next()}", "--dashboard-port", "0", "--silo-port", $"{FreePort.Next()}", "--gateway-port", $"{FreePort.Next()}",
        ]);
        var announced = await demo.WaitForOutputAsync(l => l.StartsWith("dashboard: http://127.0.0.1:", StringComparison.Ordinal), TimeSpan.FromMinutes(2));
        var address = announced.Split(' ')[1];

        await using var chromium = await HeadlessChromium.LaunchAsync();
        // Anything not served by the dashboard itself would need the internet: recorded and refused.
        var (page, outside, failed) = await chromium.NewLoopbackPageAsync(1400, 1000);
        page.Console += (_, message) => output.WriteLine($"console {message.Type}: {message.Text}");

        await page.GotoAsync(address);
        await page.WaitForSelectorAsync("article[data-campaign=demo]", new PageWaitForSelectorOptions { Timeout = 60_000 });
        Assert.Equal("live", await page.InnerTextAsync("[data-metric=connection]"));
        var shots = new List<string> { await HeadlessChromium.ScreenshotAsync(page, "dashboard-early") };

        // Watch the numbers: the snapshot sequence, the stage, the images fetched and the training step must all move.
        var readings = new List<Reading>();
        var deadline = DateTime.UtcNow.AddMinutes(6);
        while (true)
        {
            Assert.True(DateTime.UtcNow < deadline, "the dashboard never showed training moving: " + string.Join("; ", readings.TakeLast(5)) + "\n" + demo.Transcript());
            readings.Add(await ReadAsync(page));
            var training = readings.Where(r => r.Stage == "train" && r.Step > 0).ToList();
            if (training.Count >= 2 && training[^1].Step > training[0].Step && await page.Locator("path[data-series=loss]").CountAsync() == 1)
            {
                break;
            }

            await Task.Delay(500);
        }

        shots.Add(await HeadlessChromium.ScreenshotAsync(page, "dashboard-training"));
        foreach (var reading in readings.Where((_, i) => i % 5 == 0))
        {
            output.WriteLine(reading.ToString());
        }

        Assert.True(readings[^1].Sequence > readings[0].Sequence, "the snapshot sequence did not advance");
        Assert.True(readings.Select(r => r.Stage).Distinct().Count() >= 2, "the stage never changed: " + string.Join(", ", readings.Select(r => r.Stage).Distinct()));
        Assert.True(readings[^1].Images > 100, $"images fetched shows {readings[^1].Images}");
        Assert.True(int.Parse(await page.GetAttributeAsync("path[data-series=loss]", "data-points") ?? "0", CultureInfo.InvariantCulture) >= 2);
        Assert.True(int.Parse(await page.GetAttributeAsync("path[data-series=fetched]", "data-points") ?? "0", CultureInfo.InvariantCulture) > 10, "no head/tail fill curve");
        Assert.Equal(1, await page.Locator("#silos tbody tr").CountAsync());
        Assert.Contains("done", await page.GetAttributeAsync("[data-stage=fetch]", "class") ?? string.Empty, StringComparison.Ordinal);

        // Orleans' own dashboard, also served locally.
        var orleans = await page.GotoAsync(address + "orleans/");
        Assert.Equal(200, orleans!.Status);
        await page.WaitForLoadStateAsync(LoadState.NetworkIdle, new PageWaitForLoadStateOptions { Timeout = 30_000 });
        await page.WaitForSelectorAsync("text=Active silos", new PageWaitForSelectorOptions { Timeout = 30_000 });
        shots.Add(await HeadlessChromium.ScreenshotAsync(page, "dashboard-orleans"));

        output.WriteLine("screenshots: " + string.Join(", ", shots));
        Assert.All(shots, s => Assert.True(new FileInfo(s).Length > 10_000, $"{s} is nearly empty"));
        Assert.True(outside.Count == 0, "the page asked the internet for: " + string.Join(", ", outside));
        Assert.True(failed.Count == 0 || failed.All(u => u.Contains("/api/events", StringComparison.Ordinal)), "requests failed: " + string.Join(", ", failed));
        demo.KillHard();
    }

    [Fact]
    public async Task The_dashboard_needs_a_token_off_loopback_and_then_checks_it_on_every_request()
    {
        using var folder = new TemporaryFolder();
        string[] Dashboard(int port) =>
            ["dashboard", "--address", "0.0.0.0", "--port", $"{port}", "--run-dir", folder.Combine("state"), "--silo-port", $"{FreePort.Next()}", "--gateway-port", $"{FreePort.Next()}"];

        var refused = await PipelineExecutable.RunAsync(Dashboard(FreePort.Next()));
        Assert.Equal(2, refused.ExitCode);
        Assert.Contains(refused.Stderr, l => l.Contains("Dashboard:Token", StringComparison.Ordinal) && l.Contains("0.0.0.0", StringComparison.Ordinal));

        const string token = "s3cret-for-this-test";
        var port = FreePort.Next();
        using var served = PipelineExecutable.Start(Dashboard(port), new Dictionary<string, string> { ["PIPELINE_Dashboard__Token"] = token });
        await served.WaitForOutputAsync(l => l.StartsWith("dashboard: http://0.0.0.0:", StringComparison.Ordinal), TimeSpan.FromMinutes(1));
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = new Uri($"http://127.0.0.1:{port}/") };

        foreach (var path in new[] { "", "api/snapshot", "api/events", "orleans/", "dashboard.js" })
        {
            using var anonymous = await http.GetAsync(new Uri(path, UriKind.Relative));
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        }

        using var wrong = new HttpRequestMessage(HttpMethod.Get, "api/snapshot") { Headers = { Authorization = new AuthenticationHeaderValue("Bearer", token + "x") } };
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.SendAsync(wrong)).StatusCode);

        using var bearer = new HttpRequestMessage(HttpMethod.Get, "api/snapshot") { Headers = { Authorization = new AuthenticationHeaderValue("Bearer", token) } };
        using var snapshot = await http.SendAsync(bearer);
        Assert.Equal(HttpStatusCode.OK, snapshot.StatusCode);
        Assert.Contains("\"silos\":[{", await snapshot.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // A browser opens /?token=... once: it gets a cookie and is sent to the page without the token in its address.
        using var first = await http.GetAsync(new Uri($"?token={token}", UriKind.Relative));
        Assert.Equal(HttpStatusCode.Redirect, first.StatusCode);
        Assert.Equal("/", first.Headers.Location!.OriginalString);
        var cookie = Assert.Single(first.Headers.GetValues("Set-Cookie"));
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        using var withCookie = new HttpRequestMessage(HttpMethod.Get, "orleans/") { Headers = { { "Cookie", cookie.Split(';')[0] } } };
        Assert.Equal(HttpStatusCode.OK, (await http.SendAsync(withCookie)).StatusCode);
        served.Terminate();
    }

    private static async Task<Reading> ReadAsync(IPage page)
    {
        async Task<string> Text(string metric) => (await page.InnerTextAsync($"[data-metric={metric}]")).Trim();
        static long Number(string text) => long.TryParse(text.Split(' ')[0].Replace(",", "", StringComparison.Ordinal), NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : -1;
        return new Reading(Number(await Text("sequence")), await Text("stage"), Number(await Text("images")), Number(await Text("step")));
    }

    private sealed record Reading(long Sequence, string Stage, long Images, long Step);
}
