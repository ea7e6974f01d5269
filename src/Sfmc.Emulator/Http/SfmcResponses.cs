using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Net;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Http;

namespace Sfmc.Emulator;

/// <summary>SFMC's REST answer shapes, in one place: every endpoint writes its errors and bodies through these.</summary>
internal static class SfmcResponses
{
    /// <summary>Web defaults (camelCase), as SFMC writes its JSON.</summary>
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>Request text quoted in an answer, at most 1,000 characters: a 20 MB name must not become a 20 MB error.</summary>
    public static string Clip(string text) => text.Length <= 1000
        ? text
        : string.Concat(text.AsSpan(0, 1000), "… (", text.Length.ToString("N0", CultureInfo.InvariantCulture), " characters)");

    /// <summary>SFMC's REST error: <c>{"message","errorcode","documentation"}</c> plus any <paramref name="extra"/> members.</summary>
    public static Task WriteErrorAsync(HttpContext context, HttpStatusCode status, string message, int errorCode, object? extra = null)
    {
        var body = new Dictionary<string, object?> { ["message"] = Clip(message), ["errorcode"] = errorCode, ["documentation"] = "" };
        if (extra is not null)
        {
            foreach (var property in JsonSerializer.SerializeToElement(extra, Json).EnumerateObject())
            {
                body[property.Name] = property.Value;
            }
        }

        return WriteJsonAsync(context, status, body);
    }

    public static async Task WriteJsonAsync(HttpContext context, HttpStatusCode status, object body)
    {
        context.Response.StatusCode = (int)status;
        context.Response.ContentType = "application/json; charset=utf-8";
        await JsonSerializer.SerializeAsync(context.Response.Body, body, Json, context.RequestAborted);
    }

    /// <summary>404 for a DE external key the tenant does not have.</summary>
    public static Task WriteUnknownKeyAsync(HttpContext context, string key) =>
        WriteErrorAsync(context, HttpStatusCode.NotFound, $"Unable to find a data extension with external key '{key}'. External keys are case-sensitive.", 10002);

    /// <summary>Why a write to a synchronized DE is refused (REST answers 400, SOAP a per-object error; both code 30005).</summary>
    public static string ReadOnlyMessage(string key) => $"Data extension '{key}' is synchronized by Marketing Cloud Connect and is read-only.";

    /// <summary>Reads the rest of a request body into nothing (so a client that sends before it reads sees the answer).</summary>
    public static async Task DrainAsync(HttpRequest request, CancellationToken cancellationToken) =>
        await request.Body.CopyToAsync(Stream.Null, cancellationToken);
}
