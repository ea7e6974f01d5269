using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Net.Http;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;

namespace Sfmc.Client;

/// <summary>
/// Triggered sends over REST (<c>POST /messaging/v1/messageDefinitionSends/key:{key}/send</c>): one email through an
/// Active triggered send definition per request. Triggered sends declared in <c>sfmc.json</c> appear here as typed
/// members (<c>client.TriggeredSends.OrderConfirmation.SendAsync(…)</c>).
/// </summary>
/// <remarks>
/// A triggered send is not idempotent (SFMC has no key to recognize a repeat), so a request that may have reached
/// SFMC is never replayed: it is reported as "outcome unknown". Throttling (429) is retried.
/// </remarks>
public sealed class TriggeredSendClient
{
    private readonly SfmcClient _client;

    internal TriggeredSendClient(SfmcClient client) => _client = client;

    /// <summary>Sends one email and returns SFMC's recipientSendId. A constant key is checked at compile time against <c>sfmc.json</c>.</summary>
    /// <param name="definitionKey">The triggered send definition's external key (case-sensitive; the definition must be Active).</param>
    /// <param name="recipient">The subscriber, the address and the subscriber attributes.</param>
    /// <param name="cancellationToken">Cancels the send.</param>
    /// <exception cref="SfmcValidationException">SFMC refused it (for example a definition that is not Active, errorcode 18001).</exception>
    public Task<string> SendAsync([SfmcKey(SfmcKeyKind.TriggeredSend)] string definitionKey, TriggeredSendRecipient recipient, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(recipient);
        return SendCoreAsync(definitionKey, Typed(recipient), WriteDictionary, cancellationToken);
    }

    /// <summary>
    /// Sends to any number of recipients, one request each, in parallel up to
    /// <see cref="SfmcBatchingOptions.MaxConcurrentRequests"/>. Refused recipients come back in the result by position.
    /// </summary>
    public Task<TriggeredSendBatchResult> SendAsync([SfmcKey(SfmcKeyKind.TriggeredSend)] string definitionKey, IEnumerable<TriggeredSendRecipient> recipients, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(recipients);
        return SendCoreAsync(definitionKey, recipients.Select(r => r is null ? default : Typed(r)), WriteDictionary, cancellationToken);
    }

    internal async Task<string> SendCoreAsync<TAttributes>(string definitionKey, TriggeredSendRecipient<TAttributes> recipient, Action<Utf8JsonWriter, TAttributes> writeAttributes, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(definitionKey);
        ArgumentException.ThrowIfNullOrEmpty(recipient.SubscriberKey);
        ArgumentException.ThrowIfNullOrEmpty(recipient.Address);
        var body = SfmcClient.Json(writer =>
        {
            writer.WriteStartObject();
            writer.WriteStartObject("To"u8);
            writer.WriteString("Address"u8, recipient.Address);
            writer.WriteString("SubscriberKey"u8, recipient.SubscriberKey);
            writer.WriteStartObject("ContactAttributes"u8);
            writer.WritePropertyName("SubscriberAttributes"u8);
            if (recipient.Attributes is null)
            {
                writer.WriteStartObject();
                writer.WriteEndObject();
            }
            else
            {
                writeAttributes(writer, recipient.Attributes);
            }

            writer.WriteEndObject();
            writer.WriteEndObject();
            writer.WriteEndObject();
        });

        using var activity = SfmcTelemetry.ActivitySource.StartActivity("Sfmc.TriggeredSend.Send");
        activity?.SetTag("sfmc.triggered_send.definition_key", definitionKey);
        using var request = new HttpRequestMessage(HttpMethod.Post, $"messaging/v1/messageDefinitionSends/key:{Uri.EscapeDataString(definitionKey)}/send") { Content = SfmcClient.JsonContent(body) };
        var response = await _client.SendAsync(request, new SfmcRequestContext { Replayable = false }, definitionKey, cancellationToken);
        using var document = JsonDocument.Parse(response);
        var item = document.RootElement.TryGetProperty("responses", out var responses) && responses.ValueKind == JsonValueKind.Array && responses.GetArrayLength() > 0
            ? responses[0]
            : default;
        if (item.ValueKind == JsonValueKind.Object && item.TryGetProperty("hasErrors", out var hasErrors) && hasErrors.ValueKind == JsonValueKind.True)
        {
            var errors = item.TryGetProperty("messageErrors", out var list) && list.ValueKind == JsonValueKind.Array ? list.EnumerateArray().ToArray() : [];
            var first = errors.FirstOrDefault();
            int? code = first.ValueKind == JsonValueKind.Object && first.TryGetProperty("messageErrorCode", out var c) && c.TryGetInt32(out var n) ? n : null;
            var messages = errors.Select(e => e.ValueKind == JsonValueKind.Object && e.TryGetProperty("messageErrorStatus", out var m) ? m.GetString() ?? "" : "").ToArray();
            throw new SfmcValidationException($"SFMC refused triggered send '{definitionKey}' to '{recipient.SubscriberKey}': {string.Join("; ", messages)}", code, messages);
        }

        return item.ValueKind == JsonValueKind.Object && item.TryGetProperty("recipientSendId", out var id) && id.GetString() is { } recipientSendId
            ? recipientSendId
            : throw new SfmcException($"SFMC's answer to triggered send '{definitionKey}' has no recipientSendId.", null);
    }

    internal async Task<TriggeredSendBatchResult> SendCoreAsync<TAttributes>(string definitionKey, IEnumerable<TriggeredSendRecipient<TAttributes>> recipients, Action<Utf8JsonWriter, TAttributes> writeAttributes, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(definitionKey);
        ArgumentNullException.ThrowIfNull(recipients);
        var started = _client.Time.GetTimestamp();
        var items = recipients.Select((recipient, index) => (Index: index, Recipient: recipient)).ToList();
        var ids = new string?[items.Count];
        var errors = new ConcurrentBag<TriggeredSendError>();
        await Parallel.ForEachAsync(
            items,
            new ParallelOptions { MaxDegreeOfParallelism = _client.Options.Batching.MaxConcurrentRequests, CancellationToken = cancellationToken },
            async (item, ct) =>
            {
                var (index, recipient) = item;
                if (string.IsNullOrEmpty(recipient.SubscriberKey) || string.IsNullOrEmpty(recipient.Address))
                {
                    errors.Add(new TriggeredSendError(index, recipient.SubscriberKey ?? "", null, "A subscriber key and an address are required."));
                    return;
                }

                try
                {
                    ids[index] = await SendCoreAsync(definitionKey, recipient, writeAttributes, ct);
                }
                catch (SfmcException ex) when (ex is SfmcValidationException or SfmcTransientException or SfmcRateLimitedException)
                {
                    var unknown = ex is SfmcTransientException ? "The email may or may not have been sent (triggered sends are not replayed): " : "";
                    errors.Add(new TriggeredSendError(index, recipient.SubscriberKey, (ex as SfmcValidationException)?.ErrorCode?.ToString(CultureInfo.InvariantCulture), unknown + ex.Message));
                }
            });

        var sorted = errors.OrderBy(e => e.Index).ToArray();
        return new TriggeredSendBatchResult(definitionKey, items.Count, items.Count - sorted.Length, ids, sorted, _client.Time.GetElapsedTime(started));
    }

    private static TriggeredSendRecipient<IReadOnlyDictionary<string, object?>?> Typed(TriggeredSendRecipient recipient) =>
        new(recipient.SubscriberKey, recipient.Address, recipient.Attributes);

    private static void WriteDictionary(Utf8JsonWriter writer, IReadOnlyDictionary<string, object?>? attributes) =>
        JourneyClient.WriteDictionary(writer, attributes);
}

/// <summary>One recipient of a triggered send.</summary>
/// <param name="SubscriberKey">The subscriber key.</param>
/// <param name="Address">The email address.</param>
/// <param name="Attributes">Subscriber attributes (fields of the definition's triggered send DE; names are case-sensitive).</param>
public sealed record TriggeredSendRecipient(string SubscriberKey, string Address, IReadOnlyDictionary<string, object?>? Attributes = null);

/// <summary>One recipient of a declared triggered send, with its typed attributes.</summary>
/// <param name="SubscriberKey">The subscriber key.</param>
/// <param name="Address">The email address.</param>
/// <param name="Attributes">The subscriber attributes, as the declaration types them.</param>
/// <typeparam name="TAttributes">The declared attributes' type.</typeparam>
public readonly record struct TriggeredSendRecipient<TAttributes>(string SubscriberKey, string Address, TAttributes Attributes);

/// <summary>A recipient that was not sent, by its position in the caller's sequence.</summary>
public sealed record TriggeredSendError(int Index, string SubscriberKey, string? ErrorCode, string Message);

/// <summary>What sending to many recipients did.</summary>
/// <param name="DefinitionKey">The triggered send definition.</param>
/// <param name="Submitted">Recipients given.</param>
/// <param name="Accepted">Recipients SFMC queued.</param>
/// <param name="RecipientSendIds">SFMC's recipientSendId per recipient, by position (null when not sent).</param>
/// <param name="Errors">Recipients not sent, by position.</param>
/// <param name="Elapsed">Time taken.</param>
public sealed record TriggeredSendBatchResult(
    string DefinitionKey,
    int Submitted,
    int Accepted,
    IReadOnlyList<string?> RecipientSendIds,
    IReadOnlyList<TriggeredSendError> Errors,
    TimeSpan Elapsed);

/// <summary>
/// A triggered send declared in <c>sfmc.json</c>; the generator derives one class per triggered send with typed
/// subscriber attributes, reached as <c>client.TriggeredSends.&lt;Name&gt;</c>.
/// </summary>
/// <typeparam name="TAttributes">The subscriber attributes.</typeparam>
public abstract class TriggeredSend<TAttributes>
{
    private readonly TriggeredSendClient _sends;

    /// <summary>Binds a declared triggered send to a client.</summary>
    protected TriggeredSend(TriggeredSendClient sends, string definitionKey)
    {
        ArgumentNullException.ThrowIfNull(sends);
        ArgumentException.ThrowIfNullOrEmpty(definitionKey);
        _sends = sends;
        Key = definitionKey;
    }

    /// <summary>The triggered send definition's external key.</summary>
    public string Key { get; }

    /// <summary>Sends one email and returns SFMC's recipientSendId.</summary>
    public Task<string> SendAsync(string subscriberKey, string address, TAttributes attributes, CancellationToken cancellationToken = default) =>
        _sends.SendCoreAsync(Key, new TriggeredSendRecipient<TAttributes>(subscriberKey, address, attributes), WriteAttributes, cancellationToken);

    /// <summary>Sends to any number of recipients, one request each; refused recipients come back by position.</summary>
    public Task<TriggeredSendBatchResult> SendAsync(IEnumerable<TriggeredSendRecipient<TAttributes>> recipients, CancellationToken cancellationToken = default) =>
        _sends.SendCoreAsync(Key, recipients, WriteAttributes, cancellationToken);

    /// <summary>Writes the subscriber attributes as a JSON object (generated; null attributes are sent as <c>{}</c> without calling it).</summary>
    protected abstract void WriteAttributes(Utf8JsonWriter writer, TAttributes attributes);
}
