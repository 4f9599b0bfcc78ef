using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Net.Http.Headers;
using Pipeline.Sharding.Settings;

namespace Pipeline.Orchestrator.Dashboard.Explorer;

/// <summary>The sample explorer's endpoints under <c>/api/explorer</c>: thin handlers over <see cref="SampleExplorer"/>.</summary>
public static class SampleExplorerApi
{
    /// <summary>How long a browser may keep a served image (keys name content, so it does not change).</summary>
    public const string ImageCacheControl = "private, max-age=86400";

    /// <summary>Maps the explorer's endpoints; they sit behind whatever gate the app already has (the dashboard token).</summary>
    public static RouteGroupBuilder MapSampleExplorerApi(this IEndpointRouteBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var api = app.MapGroup("/api/explorer");
        // A misconfigured store (or a query DuckDB refused) is answered as a 400 problem that names it.
        api.AddEndpointFilter(async (context, next) =>
        {
            try
            {
                return await next(context);
            }
            catch (PipelineConfigurationException ex)
            {
                return TypedResults.Problem(ex.Message, statusCode: StatusCodes.Status400BadRequest);
            }
        });
        api.MapGet("/stores", async (SampleExplorer explorer, CancellationToken cancellationToken) =>
            TypedResults.Json(await explorer.ListStoresAsync(cancellationToken), DashboardWebHost.Json));
        api.MapGet("/stores/{store}/entries", ListEntriesAsync);
        api.MapGet("/stores/{store}/entries/{entry}/samples", GetSamplesAsync);
        api.MapGet("/stores/{store}/images/{key}", GetImageAsync);
        api.MapGet("/stores/{store}/drops", ListDropsAsync);
        return api;
    }

    private static async Task<Results<JsonHttpResult<ExplorerEntryList>, NotFound, ProblemHttpResult>> ListEntriesAsync(
        string store, int? limit, SampleExplorer explorer, CancellationToken cancellationToken)
    {
        if (limit is <= 0)
        {
            return TypedResults.Problem("limit must be positive", statusCode: StatusCodes.Status400BadRequest);
        }

        return await explorer.ListEntriesAsync(store, limit ?? SampleExplorer.MaxEntries, cancellationToken) is { } entries
            ? TypedResults.Json(entries, DashboardWebHost.Json)
            : TypedResults.NotFound();
    }

    private static async Task<Results<JsonHttpResult<ExplorerSamplePage>, NotFound, ProblemHttpResult>> GetSamplesAsync(
        string store, string entry, int? offset, int? limit, SampleExplorer explorer, CancellationToken cancellationToken)
    {
        int? id = null;
        if (entry != "none")
        {
            if (!int.TryParse(entry, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var parsed))
            {
                return TypedResults.Problem("entry must be an entry id or 'none'", statusCode: StatusCodes.Status400BadRequest);
            }

            id = parsed;
        }

        if (offset is < 0 || limit is <= 0)
        {
            return TypedResults.Problem("offset must not be negative and limit must be positive", statusCode: StatusCodes.Status400BadRequest);
        }

        return await explorer.GetSamplesAsync(store, id, offset ?? 0, limit ?? 48, cancellationToken) is { } page
            ? TypedResults.Json(page, DashboardWebHost.Json)
            : TypedResults.NotFound();
    }

    private static async Task<Results<FileContentHttpResult, StatusCodeHttpResult, NotFound>> GetImageAsync(
        string store, string key, HttpContext context, SampleExplorer explorer, CancellationToken cancellationToken)
    {
        // A key is looked up as a query parameter, never used as a path; anything not shaped like a key is simply not there.
        if (!SampleExplorer.IsKey(key))
        {
            return TypedResults.NotFound();
        }

        if (await explorer.GetImageAsync(store, key, cancellationToken) is not { } image)
        {
            return TypedResults.NotFound();
        }

        var headers = context.Response.Headers;
        headers.CacheControl = ImageCacheControl;
        headers.XContentTypeOptions = "nosniff";
        if (image.Sha256 is { } sha)
        {
            var tag = new EntityTagHeaderValue($"\"{sha}\"");
            headers.ETag = tag.ToString();
            if (context.Request.GetTypedHeaders().IfNoneMatch.Any(t => t.Compare(tag, useStrongComparison: false)))
            {
                return TypedResults.StatusCode(StatusCodes.Status304NotModified);
            }
        }

        return TypedResults.File(image.Bytes, image.ContentType);
    }

    private static async Task<Results<JsonHttpResult<IReadOnlyList<ExplorerDropReason>>, NotFound, ProblemHttpResult>> ListDropsAsync(
        string store, int? examples, SampleExplorer explorer, CancellationToken cancellationToken)
    {
        if (examples is <= 0)
        {
            return TypedResults.Problem("examples must be positive", statusCode: StatusCodes.Status400BadRequest);
        }

        return await explorer.ListDropsAsync(store, examples ?? 6, cancellationToken) is { } drops
            ? TypedResults.Json(drops, DashboardWebHost.Json)
            : TypedResults.NotFound();
    }
}
