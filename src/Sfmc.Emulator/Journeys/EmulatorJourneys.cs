using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Net;
using System.Text.Json;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Sfmc.Emulator;

/// <summary>A contact entered into a journey: what the tenant's journey would receive.</summary>
/// <param name="EventDefinitionKey">The API entry event's key.</param>
/// <param name="ContactKey">The contact.</param>
/// <param name="EventInstanceId">The id the emulator answered with.</param>
/// <param name="RequestId">The batch request's id (async entry), or null (single entry).</param>
/// <param name="Data">The event data as sent.</param>
/// <param name="At">When the entry was accepted.</param>
public sealed record EmulatorJourneyEntry(string EventDefinitionKey, string ContactKey, string EventInstanceId, string? RequestId, JsonElement Data, DateTimeOffset At)
{
    /// <summary>A field of the event data as sent, as text, found ignoring case; null when absent or null.</summary>
    public string? Value(string name) => Member(Data, name);

    /// <summary>A member of a JSON object as text, found ignoring case: a string as is, anything else as written.</summary>
    internal static string? Member(JsonElement data, string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var value = data.ValueKind == JsonValueKind.Object ? EmulatorJourneys.Property(data, name) : null;
        return value?.ValueKind switch
        {
            null or JsonValueKind.Null or JsonValueKind.Undefined => null,
            JsonValueKind.String => value.Value.GetString(),
            _ => value.Value.GetRawText(),
        };
    }
}

/// <summary>
/// Journey Builder API entry events: <c>POST /interaction/v1/events</c> (one contact; 201 with an eventInstanceId;
/// 400 for an unknown key or an inactive contact) and <c>POST /interaction/v1/async/events</c> (at most 100 members,
/// 400 errorcode 10000 above; 202 with requestId, count, notQueuedCount and the members in order, a member that
/// could not be queued carrying errorcode and message).
/// </summary>
/// <remarks>
/// Salesforce documents the statuses, the 100-member limit with errorcode 10000 and the response fields; the message
/// texts here are ours (the documented table is cut off in our sources), so match on codes, not on wording.
/// </remarks>
internal sealed class EmulatorJourneys(EmulatorTenant tenant, TimeProvider time)
{
    private const int MaxMembers = 100;

    private readonly ConcurrentQueue<EmulatorJourneyEntry> _entries = new();

    public IReadOnlyList<EmulatorJourneyEntry> Entries => _entries.ToArray();

    /// <summary>Journey entry events; the emulator checks no scope on them.</summary>
    public void Map(IEndpointRouteBuilder routes)
    {
        routes.MapPost("/interaction/v1/events", EnterAsync).RequireSfmcToken();
        routes.MapPost("/interaction/v1/async/events", EnterBatchAsync).RequireSfmcToken();
        routes.MapGet("/interaction/v1/eventDefinitions/key:{key}", GetEventDefinitionAsync).RequireSfmcToken();
    }

    /// <summary>An event definition the tenant has (declared or configured), as SFMC describes one; 404 otherwise.</summary>
    public Task GetEventDefinitionAsync(HttpContext context, string key) =>
        tenant.JourneyKeys.Contains(key)
            ? SfmcResponses.WriteJsonAsync(context, HttpStatusCode.OK, new
            {
                id = new Guid(System.Security.Cryptography.MD5.HashData(System.Text.Encoding.UTF8.GetBytes("event:" + key))).ToString(),
                type = "APIEvent",
                name = key,
                eventDefinitionKey = key,
                mode = "Production",
                isVisibleInPicker = false,
                category = "Event",
            })
            : SfmcResponses.WriteErrorAsync(context, HttpStatusCode.NotFound, $"Unable to find an event definition with key '{key}'. Keys are case-sensitive.", 30000);

    public async Task EnterAsync(HttpContext context)
    {
        using var document = await ReadAsync(context);
        if (document is null)
        {
            return;
        }

        // The single-entry API documents PascalCase names; accept any case, as SFMC's JSON binding does.
        var root = document.RootElement;
        var key = Property(root, "EventDefinitionKey")?.GetString();
        var contactKey = Property(root, "ContactKey")?.GetString();
        if (string.IsNullOrEmpty(key) || string.IsNullOrEmpty(contactKey))
        {
            await SfmcResponses.WriteErrorAsync(context, HttpStatusCode.BadRequest, "ContactKey and EventDefinitionKey are required.", 10001);
            return;
        }

        if (!tenant.JourneyKeys.Contains(key))
        {
            await UnknownKeyAsync(context, key);
            return;
        }

        if (tenant.InactiveContactKeys.Contains(contactKey))
        {
            await SfmcResponses.WriteErrorAsync(context, HttpStatusCode.BadRequest, $"Contact '{contactKey}' is not active.", 30000);
            return;
        }

        var id = Guid.NewGuid().ToString();
        _entries.Enqueue(new EmulatorJourneyEntry(key, contactKey, id, null, Data(Property(root, "Data")), time.GetUtcNow()));
        await SfmcResponses.WriteJsonAsync(context, HttpStatusCode.Created, new { eventInstanceId = id });
    }

    public async Task EnterBatchAsync(HttpContext context)
    {
        using var document = await ReadAsync(context);
        if (document is null)
        {
            return;
        }

        var root = document.RootElement;
        var key = Property(root, "eventDefinitionKey")?.GetString();
        if (string.IsNullOrEmpty(key) || Property(root, "members") is not { ValueKind: JsonValueKind.Array } members)
        {
            await SfmcResponses.WriteErrorAsync(context, HttpStatusCode.BadRequest, "eventDefinitionKey and a members array are required.", 10001);
            return;
        }

        var count = members.GetArrayLength();
        if (count > MaxMembers)
        {
            await SfmcResponses.WriteErrorAsync(context, HttpStatusCode.BadRequest, $"We could not queue your request: it has {count} members and the limit is {MaxMembers}.", 10000);
            return;
        }

        if (!tenant.JourneyKeys.Contains(key))
        {
            await UnknownKeyAsync(context, key);
            return;
        }

        var requestId = Guid.NewGuid().ToString();
        var now = time.GetUtcNow();
        var answered = new List<Dictionary<string, string>>(count);
        var notQueued = 0;
        foreach (var member in members.EnumerateArray())
        {
            var contactKey = member.ValueKind == JsonValueKind.Object ? Property(member, "contactKey")?.GetString() : null;
            string? error = string.IsNullOrEmpty(contactKey) ? "A contactKey is required."
                : tenant.InactiveContactKeys.Contains(contactKey) ? $"Contact '{contactKey}' is not active."
                : null;
            if (error is not null)
            {
                notQueued++;
                answered.Add(new() { ["contactKey"] = contactKey ?? "", ["errorcode"] = "30000", ["message"] = error });
                continue;
            }

            var id = Guid.NewGuid().ToString();
            _entries.Enqueue(new EmulatorJourneyEntry(key, contactKey!, id, requestId, Data(Property(member, "data")), now));
            answered.Add(new() { ["contactKey"] = contactKey!, ["eventInstanceId"] = id });
        }

        await SfmcResponses.WriteJsonAsync(context, HttpStatusCode.Accepted, new { requestId, count, notQueuedCount = notQueued, members = answered });
    }

    internal static async Task<JsonDocument?> ReadAsync(HttpContext context)
    {
        try
        {
            var document = await JsonDocument.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted);
            if (document.RootElement.ValueKind == JsonValueKind.Object)
            {
                return document;
            }

            document.Dispose();
            await SfmcResponses.WriteErrorAsync(context, HttpStatusCode.BadRequest, "The body must be a JSON object.", 10001);
        }
        catch (JsonException ex)
        {
            await SfmcResponses.WriteErrorAsync(context, HttpStatusCode.BadRequest, "Invalid JSON: " + ex.Message, 10001);
        }

        return null;
    }

    private static Task UnknownKeyAsync(HttpContext context, string key) =>
        SfmcResponses.WriteErrorAsync(context, HttpStatusCode.BadRequest, $"Unable to find an event definition with key '{key}'. Keys are case-sensitive.", 30000);

    internal static JsonElement? Property(JsonElement element, string name)
    {
        foreach (var property in element.EnumerateObject())
        {
            if (string.Equals(property.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                return property.Value;
            }
        }

        return null;
    }

    internal static JsonElement Data(JsonElement? data) =>
        data is { ValueKind: JsonValueKind.Object } value ? value.Clone() : JsonDocument.Parse("{}").RootElement.Clone();
}
