using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace Pipeline.Orchestrator.Dashboard;

/// <summary>
/// Lets a request through only when it carries the dashboard token: as <c>Authorization: Bearer</c>, as the cookie
/// set by a first visit with <c>?token=</c> (browsers' EventSource cannot send headers), or as that query itself.
/// </summary>
public sealed class DashboardTokenGate(RequestDelegate next, string token)
{
    /// <summary>The cookie that carries the token after the first visit.</summary>
    public const string CookieName = "pipeline-dashboard";

    private readonly byte[] _token = Encoding.UTF8.GetBytes(token);

    /// <summary>Passes the request on, swaps a query token for a cookie, or answers 401.</summary>
    public async Task InvokeAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var request = context.Request;
        var header = request.Headers.Authorization.ToString();
        if ((header.StartsWith("Bearer ", StringComparison.Ordinal) && Matches(header["Bearer ".Length..]))
            || (request.Cookies.TryGetValue(CookieName, out var cookie) && Matches(cookie)))
        {
            await next(context);
            return;
        }

        if (request.Query.TryGetValue("token", out var query) && Matches(query.ToString()))
        {
            context.Response.Cookies.Append(CookieName, query.ToString(), new CookieOptions { HttpOnly = true, SameSite = SameSiteMode.Strict, Path = "/" });
            if (HttpMethods.IsGet(request.Method))
            {
                // Drop the token from the address bar and history.
                context.Response.Redirect(request.PathBase + request.Path);
                return;
            }

            await next(context);
            return;
        }

        context.Response.StatusCode = StatusCodes.Status401Unauthorized;
        context.Response.Headers.WWWAuthenticate = "Bearer";
        await context.Response.WriteAsync("the pipeline dashboard needs its token: open it once as /?token=TOKEN, or send 'Authorization: Bearer TOKEN'\n", context.RequestAborted);
    }

    private bool Matches(string candidate) => CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(candidate), _token);
}
