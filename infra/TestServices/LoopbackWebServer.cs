using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Pipeline.TestServices;

/// <summary>
/// A real Kestrel HTTP/1.1 server on 127.0.0.1 and a free port, with the routes a test maps; it logs every request
/// (path and time) so tests can check what a client really did, such as its request rate.
/// </summary>
public sealed class LoopbackWebServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    private LoopbackWebServer(WebApplication app) => _app = app;

    /// <summary>Requests seen so far: path with query, and time since the server started.</summary>
    public ConcurrentQueue<(string PathAndQuery, TimeSpan At)> Requests { get; } = new();

    /// <summary>The server's address, e.g. <c>http://127.0.0.1:40123/</c>.</summary>
    public Uri BaseUri { get; private set; } = null!;

    /// <summary>An absolute URL on this server.</summary>
    public Uri Url(string pathAndQuery) => new(BaseUri, pathAndQuery);

    /// <summary>Starts a server whose routes <paramref name="map"/> adds.</summary>
    public static async Task<LoopbackWebServer> StartAsync(Action<WebApplication> map, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(map);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k =>
        {
            k.Limits.MinResponseDataRate = null;
            k.Listen(System.Net.IPAddress.Loopback, 0);
        });
        var app = builder.Build();
        var server = new LoopbackWebServer(app);
        app.Use(async (context, next) =>
        {
            server.Requests.Enqueue((context.Request.Path + context.Request.QueryString, server._clock.Elapsed));
            await next(context);
        });
        map(app);
        await app.StartAsync(cancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server.BaseUri = new Uri(address.EndsWith('/') ? address : address + "/");
        return server;
    }

    /// <summary>Times of the requests to <paramref name="pathAndQuery"/>.</summary>
    public IReadOnlyList<TimeSpan> TimesOf(string pathAndQuery) => [.. Requests.Where(r => r.PathAndQuery == pathAndQuery).Select(r => r.At)];

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            await _app.StopAsync(stop.Token);
        }
        catch (OperationCanceledException)
        {
            // Hostile routes may hold connections open; the server is disposed anyway.
        }

        await _app.DisposeAsync();
    }
}
