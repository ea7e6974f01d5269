using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Sfmc.Client;

namespace Sfmc.Emulator;

/// <summary>
/// Data Extension rows over REST: the synchronous rowset upsert (<c>POST /hub/v1/dataevents/key:{key}/rowset</c>,
/// at most 5 MB), the async API (<c>PUT</c>/<c>POST /data/v1/async/dataextensions/key:{key}/rows</c>, processed in
/// the background, with status and paged results) and paged row reads (<c>GET /data/v1/customobjectdata/key/{key}/rowset</c>).
/// </summary>
internal sealed class EmulatorDataExtensions(EmulatorStore store, EmulatorTenant tenant, SfmcEmulatorOptions options) : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, AsyncJob> _jobs = new(StringComparer.OrdinalIgnoreCase);
    private readonly CancellationTokenSource _stopping = new();

    public void Map(IEndpointRouteBuilder routes)
    {
        routes.MapPost("/hub/v1/dataevents/key:{key}/rowset", (HttpContext context, string key) => UpsertRowsetAsync(context, key)).RequireSfmcScope("data_extensions_write").WithRowsetLimit();
        routes.MapPut("/data/v1/async/dataextensions/key:{key}/rows", (HttpContext context, string key) => QueueAsync(context, key, insertOnly: false)).RequireSfmcScope("data_extensions_write");
        routes.MapPost("/data/v1/async/dataextensions/key:{key}/rows", (HttpContext context, string key) => QueueAsync(context, key, insertOnly: true)).RequireSfmcScope("data_extensions_write");
        routes.MapGet("/data/v1/async/{requestId}/status", AsyncStatusAsync).RequireSfmcScope("data_extensions_read");
        routes.MapGet("/data/v1/async/{requestId}/results", AsyncResultsAsync).RequireSfmcScope("data_extensions_read");
        routes.MapGet("/data/v1/customobjectdata/key/{key}/rowset", (HttpContext context, string key) => ReadRowsAsync(context, key)).RequireSfmcScope("data_extensions_read");
    }

    /// <summary>The DE a REST write names, or null once the answer is written: unknown key (404) or synchronized, hence read-only (400).</summary>
    private async Task<DataExtensionInfo?> WritableAsync(HttpContext context, string key)
    {
        if (!store.TryGet(key, out var dataExtension))
        {
            await SfmcResponses.WriteUnknownKeyAsync(context, key);
            return null;
        }

        if (tenant.ReadOnlyDataExtensions.Contains(key))
        {
            await SfmcResponses.WriteErrorAsync(context, HttpStatusCode.BadRequest, SfmcResponses.ReadOnlyMessage(key), 30005);
            return null;
        }

        return dataExtension;
    }

    private async Task UpsertRowsetAsync(HttpContext context, string key)
    {
        if (await WritableAsync(context, key) is not { } dataExtension)
        {
            return;
        }

        List<Dictionary<string, JsonElement>> rows;
        var body = new MemoryStream();
        await context.Request.Body.CopyToAsync(body, context.RequestAborted);
        try
        {
            body.Position = 0;
            rows = await ReadRowsetAsync(body, context.RequestAborted);
        }
        catch (JsonException ex)
        {
            await SfmcResponses.WriteErrorAsync(context, HttpStatusCode.BadRequest, "Invalid JSON: " + ex.Message, 10001);
            return;
        }

        var errors = await store.UpsertAsync(dataExtension, rows, insertOnly: false, context.RequestAborted);
        if (errors.Count > 0)
        {
            await SfmcResponses.WriteErrorAsync(context, HttpStatusCode.BadRequest, $"Unable to save rows for data extension ID {DeId(dataExtension)}", 10006, new
            {
                additionalErrors = errors.Select(e => new { message = e.Message, errorcode = e.ErrorCode, documentation = "" }),
            });
            return;
        }

        // SFMC answers 200 and echoes the rowset as sent.
        context.Response.StatusCode = (int)HttpStatusCode.OK;
        context.Response.ContentType = "application/json; charset=utf-8";
        await context.Response.Body.WriteAsync(body.GetBuffer().AsMemory(0, (int)body.Length), context.RequestAborted);
    }

    private async Task QueueAsync(HttpContext context, string key, bool insertOnly)
    {
        if (await WritableAsync(context, key) is not { } dataExtension)
        {
            return;
        }

        List<Dictionary<string, JsonElement>> rows;
        try
        {
            using var document = await JsonDocument.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted);
            if (document.RootElement.ValueKind != JsonValueKind.Object || !document.RootElement.TryGetProperty("items", out var items) || items.ValueKind != JsonValueKind.Array)
            {
                throw new JsonException("The body must be an object with an 'items' array.");
            }

            rows = items.EnumerateArray()
                .Select(item => item.ValueKind == JsonValueKind.Object
                    ? item.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.Clone(), StringComparer.OrdinalIgnoreCase)
                    : throw new JsonException($"Each item must be an object of field values, not {Kind(item)}."))
                .ToList();
        }
        catch (JsonException ex)
        {
            await SfmcResponses.WriteErrorAsync(context, HttpStatusCode.BadRequest, "Invalid JSON: " + ex.Message, 10001);
            return;
        }

        var id = Guid.NewGuid().ToString();
        var job = new AsyncJob(options.TimeProvider.GetUtcNow());
        _jobs[id] = job;
        // Picked up and processed in the background, as SFMC's async framework does.
        // Disposing the emulator cancels jobs still waiting and waits for the one writing (see DisposeAsync).
        var stopping = _stopping.Token;
        job.Processing = Task.Run(async () =>
        {
            if (options.AsyncProcessingDelay > TimeSpan.Zero)
            {
                await Task.Delay(options.AsyncProcessingDelay, options.TimeProvider, stopping);
            }

            job.PickedUp = options.TimeProvider.GetUtcNow();
            job.Errors = await store.WriteEachAsync(dataExtension, rows, insertOnly, stopping);
            job.Completed = options.TimeProvider.GetUtcNow();
        }, stopping);
        await SfmcResponses.WriteJsonAsync(context, HttpStatusCode.Accepted, new { requestId = id, resultMessages = Array.Empty<string>() });
    }

    private async Task AsyncStatusAsync(HttpContext context, string requestId)
    {
        if (!_jobs.TryGetValue(requestId, out var job))
        {
            await SfmcResponses.WriteErrorAsync(context, HttpStatusCode.NotFound, $"Request {requestId} was not found.", 10002);
            return;
        }

        var done = job.Completed is not null;
        await SfmcResponses.WriteJsonAsync(context, HttpStatusCode.OK, new
        {
            requestId,
            status = new
            {
                callDateTime = job.Called,
                completionDateTime = job.Completed,
                hasErrors = done && job.Errors.Count > 0,
                pickupDateTime = job.PickedUp,
                requestStatus = done ? "Complete" : "Pending",
                resultStatus = done ? (job.Errors.Count > 0 ? "Error" : "OK") : null,
                requestId,
            },
        });
    }

    private async Task AsyncResultsAsync(HttpContext context, string requestId)
    {
        if (!_jobs.TryGetValue(requestId, out var job) || job.Completed is null)
        {
            await SfmcResponses.WriteErrorAsync(context, HttpStatusCode.NotFound, $"No results for request {requestId} (yet).", 10002);
            return;
        }

        const int pageSize = 50;
        var page = int.TryParse(context.Request.Query["$page"], CultureInfo.InvariantCulture, out var p) && p > 0 ? p : 1;
        await SfmcResponses.WriteJsonAsync(context, HttpStatusCode.OK, new
        {
            page,
            pageSize,
            count = job.Errors.Count,
            items = job.Errors.Skip((page - 1) * pageSize).Take(pageSize).Select(e => new { errorCode = "UnexpectedError", message = e.Message, status = "Error" }),
        });
    }

    private async Task ReadRowsAsync(HttpContext context, string key)
    {
        if (!store.TryGet(key, out var dataExtension))
        {
            await SfmcResponses.WriteUnknownKeyAsync(context, key);
            return;
        }

        var page = int.TryParse(context.Request.Query["$page"], CultureInfo.InvariantCulture, out var p) && p > 0 ? p : 1;
        var pageSize = int.TryParse(context.Request.Query["$pageSize"], CultureInfo.InvariantCulture, out var s) && s > 0 ? Math.Min(s, 2500) : 2500;
        var (count, rows) = await store.ReadAsync(dataExtension, page, pageSize, context.RequestAborted);
        await SfmcResponses.WriteJsonAsync(context, HttpStatusCode.OK, new
        {
            links = new { self = $"/v1/customobjectdata/key/{key}/rowset?$page={page}" },
            requestToken = Guid.NewGuid(),
            customObjectKey = key,
            pageSize,
            page,
            count,
            top = 0,
            items = rows.Select(row => new
            {
                // SFMC lower-cases names and returns every value as a string.
                keys = dataExtension.PrimaryKey.ToDictionary(f => f.Name.ToLowerInvariant(), f => row[f.Name]),
                values = dataExtension.Fields.Where(f => !f.IsPrimaryKey).ToDictionary(f => f.Name.ToLowerInvariant(), f => row[f.Name] ?? ""),
            }),
        });
    }

    private static async Task<List<Dictionary<string, JsonElement>>> ReadRowsetAsync(Stream body, CancellationToken cancellationToken)
    {
        using var document = await JsonDocument.ParseAsync(body, cancellationToken: cancellationToken);
        if (document.RootElement.ValueKind != JsonValueKind.Array)
        {
            throw new JsonException("The rowset must be a JSON array.");
        }

        var rows = new List<Dictionary<string, JsonElement>>();
        foreach (var item in document.RootElement.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Object)
            {
                throw new JsonException($"Each rowset item must be an object of \"keys\" and \"values\", not {Kind(item)}.");
            }

            var row = new Dictionary<string, JsonElement>(StringComparer.OrdinalIgnoreCase);
            foreach (var part in new[] { "keys", "values" })
            {
                if (item.TryGetProperty(part, out var values) && values.ValueKind == JsonValueKind.Object)
                {
                    foreach (var property in values.EnumerateObject())
                    {
                        row[property.Name] = property.Value.Clone();
                    }
                }
            }

            rows.Add(row);
        }

        return rows;
    }

    private static string Kind(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        _ => "null",
    };

    private static string DeId(DataExtensionInfo dataExtension) =>
        new Guid(MD5.HashData(System.Text.Encoding.UTF8.GetBytes(dataExtension.CustomerKey))).ToString();

    /// <summary>Background async jobs use the database: they stop before it closes (a job still writing rolls back).</summary>
    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        // A cancelled or failed job's outcome no longer matters once the emulator is gone.
        await Task.WhenAll(_jobs.Values.Select(j => j.Processing).OfType<Task>()).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _stopping.Dispose();
    }

    private sealed class AsyncJob(DateTimeOffset called)
    {
        public DateTimeOffset Called { get; } = called;

        public DateTimeOffset? PickedUp { get; set; }

        public DateTimeOffset? Completed { get; set; }

        public IReadOnlyList<EmulatorError> Errors { get; set; } = Array.Empty<EmulatorError>();

        public Task? Processing { get; set; }
    }
}
