using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Pipeline.Orchestrator.Demo;

/// <summary>Serves a <see cref="ClipartSite"/> on 127.0.0.1 with Kestrel, for the demo campaign to crawl.</summary>
public sealed class DemoWebServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private DemoWebServer(WebApplication app, Uri address)
    {
        _app = app;
        Address = address;
    }

    /// <summary>The site's root, e.g. <c>http://127.0.0.1:40123/</c>.</summary>
    public Uri Address { get; }

    /// <summary>Starts serving <paramref name="site"/> on 127.0.0.1 and <paramref name="port"/> (0 for any free port).</summary>
    public static async Task<DemoWebServer> StartAsync(ClipartSite site, int port, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(site);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(System.Net.IPAddress.Loopback, port));
        var app = builder.Build();
        app.MapGet("/robots.txt", () => Results.Text("User-agent: *\nAllow: /\n"));
        app.MapGet("/img/{id}.png", (string id) => site.ImageFile(id) is { } file ? Results.File(file, "image/png") : Results.NotFound());
        // Pages end in .html, which MapFallback's non-file pattern would skip.
        app.MapGet("/{**path}", (HttpContext context) => site.Page(context.Request.Path.Value ?? "/") is { } html ? Results.Content(html, "text/html; charset=utf-8") : Results.NotFound());
        await app.StartAsync(cancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new DemoWebServer(app, new Uri(address.TrimEnd('/') + "/"));
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync(CancellationToken.None);
        await _app.DisposeAsync();
    }
}
