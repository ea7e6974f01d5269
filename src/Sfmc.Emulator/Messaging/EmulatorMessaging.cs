using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using System.Text.Json;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Sfmc.Emulator;

/// <summary>A message the emulator sent (once per messageKey): what the recipient would receive.</summary>
/// <param name="Channel">"email", "sms", "triggered" or "mobileconnect".</param>
/// <param name="DefinitionKey">The transactional definition, triggered send definition or MobileConnect message id.</param>
/// <param name="MessageKey">The messageKey (transactional), the recipientSendId (triggered) or the tokenId (MobileConnect).</param>
/// <param name="ContactKey">The contact or subscriber key ("" for a bare mobile number).</param>
/// <param name="To">The email address or mobile number.</param>
/// <param name="Attributes">Personalization attributes as sent.</param>
/// <param name="RequestId">The request that sent it.</param>
/// <param name="At">When it was accepted.</param>
public sealed record EmulatorSentMessage(string Channel, string DefinitionKey, string MessageKey, string ContactKey, string? To, JsonElement Attributes, string RequestId, DateTimeOffset At)
{
    /// <summary>
    /// An attribute as sent, as text (a string as is, a number or boolean as written), found ignoring case as SFMC
    /// matches attribute names; null when the message has no such attribute or it was null:
    /// <c>Assert.Single(emulator.SentMessages, m =&gt; m.To == "ada@example.com" &amp;&amp; m.Attribute("OrderId") == "A-1001")</c>.
    /// </summary>
    public string? Attribute(string name) => EmulatorJourneyEntry.Member(Attributes, name);
}

/// <summary>
/// Sending: transactional email and SMS (<c>/messaging/v1/email|sms/messages/</c>, single and batch, status),
/// triggered sends (<c>/messaging/v1/messageDefinitionSends/key:{key}/send</c>) and MobileConnect
/// (<c>/sms/v1/messageContact/{id}/send</c>), with SFMC's rules: at most 2,000 recipients per batch; a messageKey
/// reused within 72 hours is answered as before and not sent again; a triggered send definition that is not Active
/// is refused; a message's status moves from Queued to Sent (or NotSent) after <c>SendDelay</c>.
/// </summary>
/// <remarks>
/// Documented by Salesforce: the routes, the 2,000 limit, the 72-hour messageKey window, the status categories
/// (TransactionalSendEvents.EmailSent/EmailNotSent/EmailQueued) and 18001/18002 for a definition not ready to send.
/// Other codes and all message texts are ours: match on the documented codes only.
/// </remarks>
internal sealed class EmulatorMessaging(EmulatorTenant tenant, SfmcEmulatorOptions options)
{
    public const int MaxRecipients = 2000;
    public const int MaxMobileConnectSubscribers = 250;
    private static readonly TimeSpan MessageKeyWindow = TimeSpan.FromHours(72);

    private readonly ConcurrentQueue<EmulatorSentMessage> _sent = new();
    private readonly ConcurrentDictionary<(string Channel, string MessageKey), EmulatorSentMessage> _byKey = new();
    private readonly System.Threading.Lock _gate = new();

    public IReadOnlyList<EmulatorSentMessage> Sent => _sent.ToArray();

    /// <summary>Transactional messaging, triggered sends and MobileConnect; the emulator checks no scope on them.</summary>
    public void Map(IEndpointRouteBuilder routes)
    {
        routes.MapPost("/messaging/v1/email/messages/{messageKey}", SendEmailAsync).RequireSfmcToken();
        routes.MapPost("/messaging/v1/email/messages", SendEmailBatchAsync).RequireSfmcToken();
        routes.MapGet("/messaging/v1/email/messages/{messageKey}", EmailStatusAsync).RequireSfmcToken();
        routes.MapPost("/messaging/v1/sms/messages/{messageKey}", SendSmsAsync).RequireSfmcToken();
        routes.MapPost("/messaging/v1/sms/messages", SendSmsBatchAsync).RequireSfmcToken();
        routes.MapGet("/messaging/v1/sms/messages/{messageKey}", SmsStatusAsync).RequireSfmcToken();
        routes.MapPost("/messaging/v1/messageDefinitionSends/key:{key}/send", SendTriggeredAsync).RequireSfmcToken();
        routes.MapPost("/sms/v1/messageContact/{messageId}/send", SendMobileConnectAsync).RequireSfmcToken();
        routes.MapGet("/messaging/v1/email/definitions/{definitionKey}", (HttpContext context, string definitionKey) => GetDefinitionAsync(context, "email", definitionKey)).RequireSfmcToken();
        routes.MapGet("/messaging/v1/sms/definitions/{definitionKey}", (HttpContext context, string definitionKey) => GetDefinitionAsync(context, "sms", definitionKey)).RequireSfmcToken();
    }

    /// <summary>A transactional send definition with its status (Active, Inactive…), as SFMC's GET describes it; 404 when the tenant has none.</summary>
    private Task GetDefinitionAsync(HttpContext context, string channel, string definitionKey) =>
        tenant.MessageDefinitions.TryGetValue(definitionKey, out var status)
            ? SfmcResponses.WriteJsonAsync(context, HttpStatusCode.OK, new { definitionKey, name = definitionKey, status, channel })
            : SfmcResponses.WriteErrorAsync(context, HttpStatusCode.NotFound, $"No definition with key '{definitionKey}' (keys are case-sensitive).", 30004);

    public Task SendEmailAsync(HttpContext context, string messageKey) => SendOneAsync(context, "email", messageKey);

    public Task SendSmsAsync(HttpContext context, string messageKey) => SendOneAsync(context, "sms", messageKey);

    public Task SendEmailBatchAsync(HttpContext context) => SendBatchAsync(context, "email");

    public Task SendSmsBatchAsync(HttpContext context) => SendBatchAsync(context, "sms");

    public Task EmailStatusAsync(HttpContext context, string messageKey) => StatusAsync(context, "email", messageKey);

    public Task SmsStatusAsync(HttpContext context, string messageKey) => StatusAsync(context, "sms", messageKey);

    private async Task SendOneAsync(HttpContext context, string channel, string messageKey)
    {
        using var document = await EmulatorJourneys.ReadAsync(context);
        if (document is null)
        {
            return;
        }

        var root = document.RootElement;
        var definitionKey = EmulatorJourneys.Property(root, "definitionKey")?.GetString();
        if (string.IsNullOrEmpty(definitionKey) || EmulatorJourneys.Property(root, "recipient") is not { ValueKind: JsonValueKind.Object } recipient)
        {
            await SfmcResponses.WriteErrorAsync(context, HttpStatusCode.BadRequest, "definitionKey and recipient are required (use recipients for a batch).", 10001);
            return;
        }

        if (await RefuseDefinitionAsync(context, channel, definitionKey))
        {
            return;
        }

        var requestId = Guid.NewGuid().ToString();
        var item = Accept(channel, definitionKey, messageKey, recipient, default, requestId);
        await SfmcResponses.WriteJsonAsync(context, HttpStatusCode.Accepted, new { requestId, errorcode = 0, responses = new[] { item } });
    }

    private async Task SendBatchAsync(HttpContext context, string channel)
    {
        using var document = await EmulatorJourneys.ReadAsync(context);
        if (document is null)
        {
            return;
        }

        var root = document.RootElement;
        var definitionKey = EmulatorJourneys.Property(root, "definitionKey")?.GetString();
        if (string.IsNullOrEmpty(definitionKey) || EmulatorJourneys.Property(root, "recipients") is not { ValueKind: JsonValueKind.Array } recipients)
        {
            await SfmcResponses.WriteErrorAsync(context, HttpStatusCode.BadRequest, "definitionKey and a recipients array are required.", 10001);
            return;
        }

        var count = recipients.GetArrayLength();
        if (count > MaxRecipients)
        {
            await SfmcResponses.WriteErrorAsync(context, HttpStatusCode.BadRequest, $"The request has {count} recipients; the limit is {MaxRecipients}.", 10000);
            return;
        }

        if (await RefuseDefinitionAsync(context, channel, definitionKey))
        {
            return;
        }

        var shared = EmulatorJourneys.Property(root, "attributes");
        var requestId = Guid.NewGuid().ToString();
        var inRequest = new HashSet<string>(StringComparer.Ordinal);
        var items = new List<Dictionary<string, object>>(count);
        foreach (var recipient in recipients.EnumerateArray())
        {
            var messageKey = EmulatorJourneys.Property(recipient, "messageKey")?.GetString() ?? Guid.NewGuid().ToString();
            if (!inRequest.Add(messageKey))
            {
                items.Add(new() { ["messageKey"] = messageKey, ["errorcode"] = 30001, ["message"] = "Each recipient in a request must have a unique messageKey; this duplicate is rejected." });
                continue;
            }

            items.Add(Accept(channel, definitionKey, messageKey, recipient, shared, requestId));
        }

        await SfmcResponses.WriteJsonAsync(context, HttpStatusCode.Accepted, new { requestId, errorcode = 0, responses = items });
    }

    /// <summary>Sends one recipient's message unless its messageKey was used in the last 72 hours; the response item either way.</summary>
    private Dictionary<string, object> Accept(string channel, string definitionKey, string messageKey, JsonElement recipient, JsonElement? shared, string requestId)
    {
        var contactKey = EmulatorJourneys.Property(recipient, "contactKey")?.GetString();
        if (string.IsNullOrEmpty(contactKey))
        {
            return new() { ["messageKey"] = messageKey, ["errorcode"] = 30002, ["message"] = "A contactKey is required." };
        }

        if (messageKey.Length > 100)
        {
            return new() { ["messageKey"] = messageKey, ["errorcode"] = 30002, ["message"] = "A messageKey has at most 100 characters." };
        }

        var now = options.TimeProvider.GetUtcNow();
        lock (_gate)
        {
            // Idempotent within the window: the same answer, no second message.
            if (_byKey.TryGetValue((channel, messageKey), out var earlier) && now - earlier.At < MessageKeyWindow)
            {
                return new() { ["messageKey"] = messageKey };
            }

            var attributes = EmulatorJourneys.Property(recipient, "attributes") ?? shared;
            var message = new EmulatorSentMessage(channel, definitionKey, messageKey, contactKey, EmulatorJourneys.Property(recipient, "to")?.GetString(), EmulatorJourneys.Data(attributes), requestId, now);
            _byKey[(channel, messageKey)] = message;
            _sent.Enqueue(message);
        }

        return new() { ["messageKey"] = messageKey };
    }

    /// <summary>Queued until <see cref="SfmcEmulatorOptions.SendDelay"/> has passed, then NotSent for an undeliverable address, else Sent.</summary>
    public string StatusOf(EmulatorSentMessage message) =>
        options.TimeProvider.GetUtcNow() - message.At < options.SendDelay ? "Queued"
        : message.To is { } to && tenant.UndeliverableAddresses.Contains(to) ? "NotSent"
        : "Sent";

    private async Task StatusAsync(HttpContext context, string channel, string messageKey)
    {
        if (!_byKey.TryGetValue((channel, messageKey), out var message) || options.TimeProvider.GetUtcNow() - message.At > TimeSpan.FromDays(3))
        {
            await SfmcResponses.WriteErrorAsync(context, HttpStatusCode.NotFound, $"No message with messageKey '{messageKey}' in the last 3 days.", 30003);
            return;
        }

        var prefix = channel == "email" ? "Email" : "Sms";
        var category = StatusOf(message);
        var info = new Dictionary<string, object?> { ["messageKey"] = message.MessageKey, ["contactKey"] = message.ContactKey, ["to"] = message.To };
        if (category == "NotSent")
        {
            info["statusCode"] = 3;
            info["statusMessage"] = "Invalid channel address";
        }

        await SfmcResponses.WriteJsonAsync(context, HttpStatusCode.OK, new
        {
            requestId = Guid.NewGuid().ToString(),
            eventCategoryType = $"TransactionalSendEvents.{prefix}{category}",
            timestamp = message.At.ToOffset(TimeSpan.FromHours(-6)).ToString("yyyy-MM-dd'T'HH:mm:ss.fff", System.Globalization.CultureInfo.InvariantCulture),
            compositeId = message.RequestId + "." + message.MessageKey,
            info,
        });
    }

    public async Task SendTriggeredAsync(HttpContext context, string key)
    {
        using var document = await EmulatorJourneys.ReadAsync(context);
        if (document is null)
        {
            return;
        }

        if (await RefuseDefinitionAsync(context, "triggered", key))
        {
            return;
        }

        var to = EmulatorJourneys.Property(document.RootElement, "To");
        var address = to is { ValueKind: JsonValueKind.Object } t ? EmulatorJourneys.Property(t, "Address")?.GetString() : null;
        var subscriberKey = to is { ValueKind: JsonValueKind.Object } s ? EmulatorJourneys.Property(s, "SubscriberKey")?.GetString() : null;
        if (string.IsNullOrEmpty(address) || string.IsNullOrEmpty(subscriberKey))
        {
            await SfmcResponses.WriteErrorAsync(context, HttpStatusCode.BadRequest, "To.Address and To.SubscriberKey are required.", 10001);
            return;
        }

        var attributes = to is { } target && EmulatorJourneys.Property(target, "ContactAttributes") is { ValueKind: JsonValueKind.Object } contact
            ? EmulatorJourneys.Property(contact, "SubscriberAttributes")
            : null;
        var requestId = Guid.NewGuid().ToString();
        var recipientSendId = Guid.NewGuid().ToString();
        _sent.Enqueue(new EmulatorSentMessage("triggered", key, recipientSendId, subscriberKey, address, EmulatorJourneys.Data(attributes), requestId, options.TimeProvider.GetUtcNow()));
        await SfmcResponses.WriteJsonAsync(context, HttpStatusCode.Accepted, new
        {
            requestId,
            responses = new[] { new { recipientSendId, hasErrors = false, messages = new[] { "Queued" } } },
        });
    }

    public async Task SendMobileConnectAsync(HttpContext context, string messageId)
    {
        using var document = await EmulatorJourneys.ReadAsync(context);
        if (document is null)
        {
            return;
        }

        if (tenant.MobileConnectMessages.Count > 0 && !tenant.MobileConnectMessages.Contains(messageId))
        {
            await SfmcResponses.WriteErrorAsync(context, HttpStatusCode.NotFound, $"No MobileConnect message with id '{messageId}' (ids are case-sensitive).", 30006);
            return;
        }

        var root = document.RootElement;
        var numbers = EmulatorJourneys.Property(root, "mobileNumbers") is { ValueKind: JsonValueKind.Array } m ? m.EnumerateArray().Select(n => n.GetString() ?? "").ToList() : new List<string>();
        var subscribers = EmulatorJourneys.Property(root, "Subscribers") is { ValueKind: JsonValueKind.Array } s ? s.EnumerateArray().ToList() : new List<JsonElement>();
        if (subscribers.Count > MaxMobileConnectSubscribers)
        {
            await SfmcResponses.WriteErrorAsync(context, HttpStatusCode.BadRequest, $"The request has {subscribers.Count} subscribers; the limit is {MaxMobileConnectSubscribers}.", 10000);
            return;
        }

        if (numbers.Count == 0 && subscribers.Count == 0)
        {
            await SfmcResponses.WriteErrorAsync(context, HttpStatusCode.BadRequest, "mobileNumbers or Subscribers is required.", 10001);
            return;
        }

        var tokenId = Guid.NewGuid().ToString("N");
        var now = options.TimeProvider.GetUtcNow();
        foreach (var number in numbers)
        {
            _sent.Enqueue(new EmulatorSentMessage("mobileconnect", messageId, tokenId, "", number, EmulatorJourneys.Data(null), tokenId, now));
        }

        foreach (var subscriber in subscribers)
        {
            _sent.Enqueue(new EmulatorSentMessage(
                "mobileconnect", messageId, tokenId, EmulatorJourneys.Property(subscriber, "SubscriberKey")?.GetString() ?? "",
                EmulatorJourneys.Property(subscriber, "MobileNumber")?.GetString(), EmulatorJourneys.Data(EmulatorJourneys.Property(subscriber, "Attributes")), tokenId, now));
        }

        await SfmcResponses.WriteJsonAsync(context, HttpStatusCode.Accepted, new { tokenId });
    }

    /// <summary>A definition the emulator was told about that cannot send: 404 when unknown (if any are declared), 400 18001 when not Active.</summary>
    private async Task<bool> RefuseDefinitionAsync(HttpContext context, string channel, string definitionKey)
    {
        var declared = channel == "triggered" ? tenant.TriggeredSendDefinitions : tenant.MessageDefinitions;
        if (declared.Count == 0)
        {
            return false;
        }

        if (!declared.TryGetValue(definitionKey, out var status))
        {
            await SfmcResponses.WriteErrorAsync(context, HttpStatusCode.NotFound, $"No definition with key '{definitionKey}' (keys are case-sensitive).", 30004);
            return true;
        }

        if (!string.Equals(status, "Active", StringComparison.OrdinalIgnoreCase))
        {
            await SfmcResponses.WriteErrorAsync(context, HttpStatusCode.BadRequest, $"The definition '{definitionKey}' is not completely configured or is in a {status} status; it must be Active to send.", 18001);
            return true;
        }

        return false;
    }
}
