using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Net.Http;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;

namespace Sfmc.Client;

/// <summary>
/// Transactional Messaging API: <c>client.Transactional.Email</c> and <c>client.Transactional.Sms</c> send through a
/// send definition to one recipient or to any number of them (requests of at most 2,000 recipients, 500 by default),
/// with a messageKey per recipient fixed before the first attempt so that a retry never sends twice.
/// </summary>
public sealed class TransactionalClient
{
    private readonly SfmcClient _client;

    internal TransactionalClient(SfmcClient client) => _client = client;

    /// <summary>Transactional email (<c>/messaging/v1/email/messages</c>).</summary>
    public TransactionalMessagesClient Email => new(_client, "email");

    /// <summary>Transactional SMS (<c>/messaging/v1/sms/messages</c>).</summary>
    public TransactionalMessagesClient Sms => new(_client, "sms");
}

/// <summary>
/// Sends through an email or SMS send definition and reads message status.
/// </summary>
/// <remarks>
/// SFMC sends a messageKey once: the same key within 72 hours is answered as before and not sent again. Every recipient
/// therefore gets its key before the first attempt (yours, or one generated for this call), which makes every request
/// safe to retry: after a timeout or a 500 the same keys go again and SFMC sends each message at most once. Give your
/// own key (<see cref="TransactionalMessageKey.For"/>) to keep that guarantee across process restarts.
/// </remarks>
public sealed class TransactionalMessagesClient
{
    /// <summary>SFMC's limit of recipients in one batch request.</summary>
    public const int MaxRecipientsPerRequest = 2000;

    /// <summary>The default batch size: SFMC recommends at most 500 when attributes are sent.</summary>
    public const int DefaultRecipientsPerRequest = 500;

    private readonly SfmcClient _client;
    private readonly string _channel;

    internal TransactionalMessagesClient(SfmcClient client, string channel)
    {
        _client = client;
        _channel = channel;
    }

    /// <summary>Sends one message (<c>POST /messaging/v1/{channel}/messages/{messageKey}</c>) and returns its messageKey.</summary>
    /// <param name="definitionKey">The send definition's key (case-sensitive).</param>
    /// <param name="recipient">The recipient; without a MessageKey one is generated for this call.</param>
    /// <param name="cancellationToken">Cancels the send.</param>
    public Task<string> SendAsync([SfmcKey(SfmcKeyKind.TransactionalMessage)] string definitionKey, TransactionalRecipient recipient, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(recipient);
        return SendCoreAsync(definitionKey, Typed(recipient), WriteDictionary, cancellationToken);
    }

    internal async Task<string> SendCoreAsync<TAttributes>(string definitionKey, TransactionalRecipient<TAttributes> recipient, Action<Utf8JsonWriter, TAttributes> writeAttributes, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(definitionKey);
        ArgumentException.ThrowIfNullOrEmpty(recipient.ContactKey);
        var messageKey = recipient.MessageKey ?? Guid.NewGuid().ToString("N");
        TransactionalMessageKey.Check(messageKey);
        var body = SfmcClient.Json(writer =>
        {
            writer.WriteStartObject();
            writer.WriteString("definitionKey"u8, definitionKey);
            writer.WritePropertyName("recipient"u8);
            WriteRecipient(writer, recipient, null, writeAttributes);
            writer.WriteEndObject();
        });

        using var activity = SfmcTelemetry.ActivitySource.StartActivity("Sfmc.Transactional.Send");
        activity?.SetTag("sfmc.transactional.channel", _channel);
        activity?.SetTag("sfmc.transactional.definition_key", definitionKey);
        using var request = new HttpRequestMessage(HttpMethod.Post, $"messaging/v1/{_channel}/messages/{Uri.EscapeDataString(messageKey)}") { Content = SfmcClient.JsonContent(body) };
        var response = await _client.SendAsync(request, new SfmcRequestContext { Replayable = true }, definitionKey, cancellationToken);
        var refused = SfmcClient.Read(request, response, static body =>
        {
            using var document = JsonDocument.Parse(body);
            return Items(document.RootElement).FirstOrDefault() is { } item ? ErrorOf(item) : null;
        });
        if (refused is { } error)
        {
            throw new SfmcValidationException($"SFMC refused {_channel} message '{messageKey}': {error.Message} (errorcode {error.Code})", int.TryParse(error.Code, NumberStyles.Integer, CultureInfo.InvariantCulture, out var code) ? code : null, Array.Empty<string>());
        }

        return messageKey;
    }

    /// <summary>
    /// Sends to any number of recipients (<c>POST /messaging/v1/{channel}/messages/</c>) in requests of
    /// <paramref name="recipientsPerRequest"/> (at most 2,000), in parallel up to
    /// <see cref="SfmcBatchingOptions.MaxConcurrentRequests"/>. Refused recipients come back in the result by position.
    /// </summary>
    /// <param name="definitionKey">The send definition's key (case-sensitive).</param>
    /// <param name="recipients">The recipients; a MessageKey used twice in one call is refused (SFMC would not send it twice).</param>
    /// <param name="recipientsPerRequest">Recipients per request, 1 to 2,000 (default 500).</param>
    /// <param name="cancellationToken">Cancels the remaining requests.</param>
    public Task<TransactionalSendResult> SendAsync([SfmcKey(SfmcKeyKind.TransactionalMessage)] string definitionKey, IEnumerable<TransactionalRecipient> recipients, int recipientsPerRequest = DefaultRecipientsPerRequest, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(recipients);
        return SendCoreAsync(definitionKey, recipients.Select(r => r is null ? (TransactionalRecipient<IReadOnlyDictionary<string, object?>?>?)null : Typed(r)), WriteDictionary, recipientsPerRequest, cancellationToken);
    }

    internal async Task<TransactionalSendResult> SendCoreAsync<TAttributes>(string definitionKey, IEnumerable<TransactionalRecipient<TAttributes>?> recipients, Action<Utf8JsonWriter, TAttributes> writeAttributes, int recipientsPerRequest, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(definitionKey);
        ArgumentNullException.ThrowIfNull(recipients);
        ArgumentOutOfRangeException.ThrowIfLessThan(recipientsPerRequest, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(recipientsPerRequest, MaxRecipientsPerRequest);

        using var activity = SfmcTelemetry.ActivitySource.StartActivity("Sfmc.Transactional.SendBatch");
        activity?.SetTag("sfmc.transactional.channel", _channel);
        activity?.SetTag("sfmc.transactional.definition_key", definitionKey);
        var started = _client.Time.GetTimestamp();
        var call = Guid.NewGuid().ToString("N");
        var keys = new List<string>();
        var errors = new ConcurrentBag<TransactionalRecipientError>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var chunks = new List<List<(int Index, TransactionalRecipient<TAttributes> Recipient, string MessageKey)>>();
        var chunk = new List<(int, TransactionalRecipient<TAttributes>, string)>();
        foreach (var item in recipients)
        {
            var index = keys.Count;
            var recipient = item.GetValueOrDefault();
            var messageKey = recipient.MessageKey ?? $"{call}-{index.ToString(CultureInfo.InvariantCulture)}";
            keys.Add(messageKey);
            if (string.IsNullOrEmpty(recipient.ContactKey))
            {
                errors.Add(new TransactionalRecipientError(index, recipient.ContactKey ?? "", messageKey, null, "A contact key is required."));
                continue;
            }

            if (messageKey.Length > TransactionalMessageKey.MaxLength || !seen.Add(messageKey))
            {
                errors.Add(new TransactionalRecipientError(index, recipient.ContactKey, messageKey, null, messageKey.Length > TransactionalMessageKey.MaxLength
                    ? $"The messageKey has {messageKey.Length} characters; SFMC allows {TransactionalMessageKey.MaxLength}."
                    : "The messageKey is used by an earlier recipient of this call; SFMC would not send it again."));
                continue;
            }

            chunk.Add((index, recipient, messageKey));
            if (chunk.Count == recipientsPerRequest)
            {
                chunks.Add(chunk);
                chunk = new List<(int, TransactionalRecipient<TAttributes>, string)>();
            }
        }

        if (chunk.Count > 0)
        {
            chunks.Add(chunk);
        }

        var requestIds = new ConcurrentBag<(int First, string Id)>();
        var retries = 0;
        await Parallel.ForEachAsync(
            chunks,
            new ParallelOptions { MaxDegreeOfParallelism = _client.Options.Batching.MaxConcurrentRequests, CancellationToken = cancellationToken },
            async (part, ct) =>
            {
                var context = new SfmcRequestContext { Replayable = true };
                try
                {
                    var id = await SendChunkAsync(definitionKey, part, writeAttributes, context, errors, ct);
                    if (id is not null)
                    {
                        requestIds.Add((part[0].Index, id));
                    }
                }
                catch (SfmcException ex) when (ex is SfmcValidationException or SfmcTransientException or SfmcRateLimitedException or SfmcResponseFormatException)
                {
                    var safe = ex is SfmcValidationException ? "" : " Sending the same recipients again with the same messageKeys is safe: SFMC sends a messageKey once within 72 hours.";
                    foreach (var (index, recipient, messageKey) in part)
                    {
                        errors.Add(new TransactionalRecipientError(index, recipient.ContactKey, messageKey, (ex as SfmcValidationException)?.ErrorCode?.ToString(CultureInfo.InvariantCulture), ex.Message + safe));
                    }
                }
                finally
                {
                    Interlocked.Add(ref retries, context.Retries);
                }
            });

        var sorted = errors.OrderBy(e => e.Index).ToArray();
        activity?.SetTag("sfmc.transactional.failed", sorted.Length);
        return new TransactionalSendResult(
            definitionKey, keys.Count, keys.Count - sorted.Length, keys, sorted, chunks.Count, retries,
            requestIds.OrderBy(r => r.First).Select(r => r.Id).ToArray(), _client.Time.GetElapsedTime(started));
    }

    /// <summary>The latest status of a message (<c>GET /messaging/v1/{channel}/messages/{messageKey}</c>; messages up to 3 days old).</summary>
    /// <remarks>This route is rate-limited by SFMC: poll sparingly, or subscribe to send events for status at scale.</remarks>
    public async Task<TransactionalMessageStatus> GetStatusAsync(string messageKey, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(messageKey);
        using var request = new HttpRequestMessage(HttpMethod.Get, $"messaging/v1/{_channel}/messages/{Uri.EscapeDataString(messageKey)}");
        var response = await _client.SendAsync(request, new SfmcRequestContext { Replayable = true }, null, cancellationToken);
        return SfmcClient.Read(request, response, body => ReadStatus(messageKey, body));
    }

    private static TransactionalMessageStatus ReadStatus(string messageKey, byte[] body)
    {
        using var document = JsonDocument.Parse(body);
        var root = document.RootElement;
        var category = root.TryGetProperty("eventCategoryType", out var c) ? c.GetString() ?? "" : "";
        var info = root.TryGetProperty("info", out var i) && i.ValueKind == JsonValueKind.Object ? i : default;
        var state = category.EndsWith("NotSent", StringComparison.Ordinal) ? TransactionalMessageState.NotSent
            : category.EndsWith("Sent", StringComparison.Ordinal) ? TransactionalMessageState.Sent
            : category.EndsWith("Queued", StringComparison.Ordinal) ? TransactionalMessageState.Queued
            : TransactionalMessageState.Unknown;
        return new TransactionalMessageStatus(
            messageKey, state, category,
            info.ValueKind == JsonValueKind.Object && info.TryGetProperty("statusCode", out var code) && code.TryGetInt32(out var n) ? n : null,
            info.ValueKind == JsonValueKind.Object && info.TryGetProperty("statusMessage", out var message) ? message.GetString() : null);
    }

    /// <summary>Polls <see cref="GetStatusAsync"/> every <paramref name="interval"/> until the message is no longer Queued.</summary>
    /// <param name="messageKey">The message.</param>
    /// <param name="interval">Time between polls (the route is rate-limited: seconds, not milliseconds).</param>
    /// <param name="timeout">Gives up after this long (a <see cref="TimeoutException"/>).</param>
    /// <param name="cancellationToken">Cancels polling.</param>
    public async Task<TransactionalMessageStatus> WaitForStatusAsync(string messageKey, TimeSpan interval, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(interval, TimeSpan.Zero);
        var started = _client.Time.GetTimestamp();
        while (true)
        {
            var status = await GetStatusAsync(messageKey, cancellationToken);
            if (status.State != TransactionalMessageState.Queued)
            {
                return status;
            }

            if (_client.Time.GetElapsedTime(started) + interval > timeout)
            {
                throw new TimeoutException($"{_channel} message '{messageKey}' was still queued after {timeout}.");
            }

            await Task.Delay(interval, _client.Time, cancellationToken);
        }
    }

    private async Task<string?> SendChunkAsync<TAttributes>(string definitionKey, List<(int Index, TransactionalRecipient<TAttributes> Recipient, string MessageKey)> part, Action<Utf8JsonWriter, TAttributes> writeAttributes, SfmcRequestContext context, ConcurrentBag<TransactionalRecipientError> errors, CancellationToken cancellationToken)
    {
        var body = SfmcClient.Json(writer =>
        {
            writer.WriteStartObject();
            writer.WriteString("definitionKey"u8, definitionKey);
            writer.WriteStartArray("recipients"u8);
            foreach (var (_, recipient, messageKey) in part)
            {
                WriteRecipient(writer, recipient, messageKey, writeAttributes);
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        });

        using var request = new HttpRequestMessage(HttpMethod.Post, $"messaging/v1/{_channel}/messages/") { Content = SfmcClient.JsonContent(body) };
        var response = await _client.SendAsync(request, context, definitionKey, cancellationToken);
        var (requestId, refused) = SfmcClient.Read(request, response, body =>
        {
            using var document = JsonDocument.Parse(body);
            var byKey = part.ToDictionary(p => p.MessageKey, StringComparer.Ordinal);
            var refused = new List<TransactionalRecipientError>();
            foreach (var item in Items(document.RootElement))
            {
                if (ErrorOf(item) is { } error && item.TryGetProperty("messageKey", out var k) && k.GetString() is { } key && byKey.TryGetValue(key, out var failed))
                {
                    refused.Add(new TransactionalRecipientError(failed.Index, failed.Recipient.ContactKey, key, error.Code, error.Message));
                }
            }

            return (document.RootElement.TryGetProperty("requestId", out var id) ? id.GetString() : null, refused);
        });
        foreach (var error in refused)
        {
            errors.Add(error);
        }

        return requestId;
    }

    private static TransactionalRecipient<IReadOnlyDictionary<string, object?>?> Typed(TransactionalRecipient recipient) =>
        new(recipient.ContactKey, recipient.To, recipient.Attributes, recipient.MessageKey);

    private static void WriteDictionary(Utf8JsonWriter writer, IReadOnlyDictionary<string, object?>? attributes) =>
        JourneyClient.WriteDictionary(writer, attributes);

    private static void WriteRecipient<TAttributes>(Utf8JsonWriter writer, TransactionalRecipient<TAttributes> recipient, string? messageKey, Action<Utf8JsonWriter, TAttributes> writeAttributes)
    {
        writer.WriteStartObject();
        writer.WriteString("contactKey"u8, recipient.ContactKey);
        if (recipient.To is not null)
        {
            writer.WriteString("to"u8, recipient.To);
        }

        if (messageKey is not null)
        {
            writer.WriteString("messageKey"u8, messageKey);
        }

        if (recipient.Attributes is not null)
        {
            writer.WritePropertyName("attributes"u8);
            writeAttributes(writer, recipient.Attributes);
        }

        writer.WriteEndObject();
    }

    private static IEnumerable<JsonElement> Items(JsonElement root) =>
        root.ValueKind == JsonValueKind.Object && root.TryGetProperty("responses", out var items) && items.ValueKind == JsonValueKind.Array
            ? items.EnumerateArray().ToArray()
            : Array.Empty<JsonElement>();

    private static (string Code, string Message)? ErrorOf(JsonElement item) =>
        item.ValueKind == JsonValueKind.Object && item.TryGetProperty("errorcode", out var code) && !(code.ValueKind == JsonValueKind.Number && code.GetRawText() == "0")
            ? (code.ValueKind == JsonValueKind.String ? code.GetString() ?? "" : code.GetRawText(), item.TryGetProperty("message", out var m) ? m.GetString() ?? "" : "")
            : null;
}

/// <summary>One recipient of a transactional message.</summary>
/// <param name="ContactKey">The contact (subscriber) key.</param>
/// <param name="To">The email address or E.164 mobile number.</param>
/// <param name="Attributes">Personalization attributes (names are case-sensitive).</param>
/// <param name="MessageKey">The message's key (at most 100 characters); null: one is generated for the call.</param>
public sealed record TransactionalRecipient(string ContactKey, string? To, IReadOnlyDictionary<string, object?>? Attributes = null, string? MessageKey = null);

/// <summary>One recipient of a declared transactional message, with its typed attributes.</summary>
/// <param name="ContactKey">The contact (subscriber) key.</param>
/// <param name="To">The email address or E.164 mobile number.</param>
/// <param name="Attributes">The personalization attributes, as the definition declares them.</param>
/// <param name="MessageKey">The message's key (at most 100 characters); null: one is generated for the call.</param>
/// <typeparam name="TAttributes">The declared attributes' type.</typeparam>
public readonly record struct TransactionalRecipient<TAttributes>(string ContactKey, string? To, TAttributes Attributes, string? MessageKey = null);

/// <summary>A recipient SFMC refused, or that was not sent, by its position in the caller's sequence.</summary>
public sealed record TransactionalRecipientError(int Index, string ContactKey, string MessageKey, string? ErrorCode, string Message);

/// <summary>What a batch send did.</summary>
/// <param name="DefinitionKey">The send definition.</param>
/// <param name="Submitted">Recipients given.</param>
/// <param name="Accepted">Recipients SFMC accepted.</param>
/// <param name="MessageKeys">Each recipient's messageKey, by position (for status and for a safe resend).</param>
/// <param name="Errors">Refused recipients, by position.</param>
/// <param name="Requests">Requests sent (not counting retries).</param>
/// <param name="Retries">Retries after throttling or transient failures.</param>
/// <param name="RequestIds">SFMC's request ids, in order.</param>
/// <param name="Elapsed">Time taken.</param>
public sealed record TransactionalSendResult(
    string DefinitionKey,
    int Submitted,
    int Accepted,
    IReadOnlyList<string> MessageKeys,
    IReadOnlyList<TransactionalRecipientError> Errors,
    int Requests,
    int Retries,
    IReadOnlyList<string> RequestIds,
    TimeSpan Elapsed);

/// <summary>Where a transactional message is.</summary>
public enum TransactionalMessageState
{
    /// <summary>A category the client does not know.</summary>
    Unknown,

    /// <summary>Accepted and waiting to be sent.</summary>
    Queued,

    /// <summary>Sent.</summary>
    Sent,

    /// <summary>Not sent (see the status code and message).</summary>
    NotSent,
}

/// <summary>A message's latest status.</summary>
/// <param name="MessageKey">The message.</param>
/// <param name="State">Queued, Sent or NotSent.</param>
/// <param name="EventCategoryType">SFMC's category, e.g. <c>TransactionalSendEvents.EmailSent</c>.</param>
/// <param name="StatusCode">SFMC's status code when not sent.</param>
/// <param name="StatusMessage">SFMC's status message when not sent.</param>
public sealed record TransactionalMessageStatus(string MessageKey, TransactionalMessageState State, string EventCategoryType, int? StatusCode, string? StatusMessage);

/// <summary>Deterministic messageKeys: the same logical send gives the same key, so resending it never sends twice.</summary>
public static class TransactionalMessageKey
{
    /// <summary>SFMC's limit for a messageKey.</summary>
    public const int MaxLength = 100;

    /// <summary>
    /// A key for a logical send from its parts (say "order-confirmation" and an order number): the parts joined with
    /// ':' when that fits in 100 characters, else their SHA-256 in hex (64 characters).
    /// </summary>
    public static string For(params string[] parts)
    {
        ArgumentNullException.ThrowIfNull(parts);
        if (parts.Length == 0 || parts.Any(string.IsNullOrEmpty))
        {
            throw new ArgumentException("Give at least one part, none empty.", nameof(parts));
        }

        var joined = string.Join(":", parts);
        return joined.Length <= MaxLength ? joined : Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(joined)));
    }

    internal static void Check(string messageKey)
    {
        if (messageKey.Length > MaxLength)
        {
            throw new ArgumentException($"A messageKey has at most {MaxLength} characters; '{messageKey[..20]}…' has {messageKey.Length}. Use TransactionalMessageKey.For to shorten it.", nameof(messageKey));
        }
    }
}

/// <summary>
/// A transactional email or SMS definition declared in <c>sfmc.json</c>; the generator derives one class per
/// definition with typed attributes, reached as <c>client.Transactional.&lt;Name&gt;</c>.
/// </summary>
/// <typeparam name="TAttributes">The definition's personalization attributes.</typeparam>
public abstract class TransactionalDefinition<TAttributes>
{
    private readonly TransactionalMessagesClient _messages;

    /// <summary>Binds a declared definition to a client's email or SMS channel.</summary>
    protected TransactionalDefinition(TransactionalMessagesClient messages, string definitionKey)
    {
        ArgumentNullException.ThrowIfNull(messages);
        ArgumentException.ThrowIfNullOrEmpty(definitionKey);
        _messages = messages;
        Key = definitionKey;
    }

    /// <summary>The send definition's key.</summary>
    public string Key { get; }

    /// <summary>
    /// Sends one message and returns its messageKey. Pass a key per logical send (<see cref="TransactionalMessageKey.For"/>)
    /// to make a resend after a crash or a timeout safe: SFMC sends a messageKey once within 72 hours.
    /// </summary>
    public Task<string> SendAsync(string contactKey, string to, TAttributes attributes, string? messageKey = null, CancellationToken cancellationToken = default) =>
        _messages.SendCoreAsync(Key, new TransactionalRecipient<TAttributes>(contactKey, to, attributes, messageKey), WriteAttributes, cancellationToken);

    /// <summary>Sends to any number of recipients in requests of at most 2,000 (500 by default); refused recipients come back by position.</summary>
    public Task<TransactionalSendResult> SendAsync(IEnumerable<TransactionalRecipient<TAttributes>> recipients, int recipientsPerRequest = TransactionalMessagesClient.DefaultRecipientsPerRequest, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(recipients);
        return _messages.SendCoreAsync(Key, recipients.Select(r => (TransactionalRecipient<TAttributes>?)r), WriteAttributes, recipientsPerRequest, cancellationToken);
    }

    /// <inheritdoc cref="TransactionalMessagesClient.GetStatusAsync"/>
    public Task<TransactionalMessageStatus> GetStatusAsync(string messageKey, CancellationToken cancellationToken = default) =>
        _messages.GetStatusAsync(messageKey, cancellationToken);

    /// <inheritdoc cref="TransactionalMessagesClient.WaitForStatusAsync"/>
    public Task<TransactionalMessageStatus> WaitForStatusAsync(string messageKey, TimeSpan interval, TimeSpan timeout, CancellationToken cancellationToken = default) =>
        _messages.WaitForStatusAsync(messageKey, interval, timeout, cancellationToken);

    /// <summary>Writes a recipient's attributes as a JSON object (generated; not called for null attributes).</summary>
    protected abstract void WriteAttributes(Utf8JsonWriter writer, TAttributes attributes);
}
