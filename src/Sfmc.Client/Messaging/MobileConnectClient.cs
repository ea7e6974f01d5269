using System;
using System.Collections.Generic;
using System.Linq;
using System.Net.Http;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;

namespace Sfmc.Client;

/// <summary>
/// MobileConnect outbound SMS (<c>POST /sms/v1/messageContact/{messageId}/send</c>). Messages declared in
/// <c>sfmc.json</c> appear here as typed members (<c>client.MobileConnect.Promo.SendAsync(…)</c>).
/// </summary>
/// <remarks>
/// SFMC takes at most 250 subscribers in one request; larger sends go in several requests, each with its own tokenId.
/// Mobile numbers are sent in groups of 250 too. A send is not idempotent, so a request that may have reached SFMC is
/// never replayed. Throttling (429) is retried.
/// </remarks>
public sealed class MobileConnectClient
{
    /// <summary>SFMC's limit of subscribers in one request.</summary>
    public const int MaxSubscribersPerRequest = 250;

    private readonly SfmcClient _client;

    internal MobileConnectClient(SfmcClient client) => _client = client;

    /// <summary>
    /// Sends a MobileConnect message to mobile numbers and subscribers and returns SFMC's tokenIds (one per request).
    /// A constant message id is checked at compile time against <c>sfmc.json</c>.
    /// </summary>
    /// <param name="messageId">The message's encoded id (from MobileConnect; case-sensitive).</param>
    /// <param name="send">The keyword, the recipients and the options.</param>
    /// <param name="cancellationToken">Cancels the remaining requests.</param>
    public async Task<IReadOnlyList<string>> SendAsync([SfmcKey(SfmcKeyKind.MobileConnectMessage)] string messageId, MobileConnectSend send, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(messageId);
        ArgumentNullException.ThrowIfNull(send);
        ArgumentException.ThrowIfNullOrEmpty(send.Keyword);
        var numbers = send.MobileNumbers?.ToList() ?? [];
        var subscribers = send.Subscribers?.ToList() ?? [];
        if (numbers.Count == 0 && subscribers.Count == 0)
        {
            throw new ArgumentException("Give at least one mobile number or subscriber.", nameof(send));
        }

        using var activity = SfmcTelemetry.ActivitySource.StartActivity("Sfmc.MobileConnect.Send");
        activity?.SetTag("sfmc.mobileconnect.message_id", messageId);
        var tokens = new List<string>();
        foreach (var part in numbers.Chunk(MaxSubscribersPerRequest))
        {
            tokens.Add(await SendPartAsync(messageId, send, part, [], cancellationToken));
        }

        foreach (var part in subscribers.Chunk(MaxSubscribersPerRequest))
        {
            tokens.Add(await SendPartAsync(messageId, send, [], part, cancellationToken));
        }

        return tokens;
    }

    private async Task<string> SendPartAsync(string messageId, MobileConnectSend send, string[] numbers, MobileConnectSubscriber[] subscribers, CancellationToken cancellationToken)
    {
        var body = SfmcClient.Json(writer =>
        {
            writer.WriteStartObject();
            if (numbers.Length > 0)
            {
                writer.WriteStartArray("mobileNumbers"u8);
                foreach (var number in numbers)
                {
                    writer.WriteStringValue(number);
                }

                writer.WriteEndArray();
            }

            if (subscribers.Length > 0)
            {
                writer.WriteStartArray("Subscribers"u8);
                foreach (var subscriber in subscribers)
                {
                    writer.WriteStartObject();
                    writer.WriteString("MobileNumber"u8, subscriber.MobileNumber);
                    writer.WriteString("SubscriberKey"u8, subscriber.SubscriberKey);
                    if (subscriber.Attributes is not null)
                    {
                        writer.WritePropertyName("Attributes"u8);
                        JourneyClient.WriteDictionary(writer, subscriber.Attributes);
                    }

                    writer.WriteEndObject();
                }

                writer.WriteEndArray();
            }

            writer.WriteBoolean("Subscribe"u8, send.Subscribe);
            writer.WriteBoolean("Resubscribe"u8, send.Resubscribe);
            writer.WriteString("keyword"u8, send.Keyword);
            if (send.MessageText is not null)
            {
                writer.WriteBoolean("Override"u8, true);
                writer.WriteString("messageText"u8, send.MessageText);
            }

            writer.WriteEndObject();
        });

        using var request = new HttpRequestMessage(HttpMethod.Post, $"sms/v1/messageContact/{Uri.EscapeDataString(messageId)}/send") { Content = SfmcClient.JsonContent(body) };
        var response = await _client.SendAsync(request, new SfmcRequestContext { Replayable = false }, messageId, cancellationToken);
        return SfmcClient.Read(request, response, body =>
        {
            using var document = JsonDocument.Parse(body);
            return document.RootElement.TryGetProperty("tokenId", out var token) && token.GetString() is { } tokenId
                ? tokenId
                : throw new SfmcResponseFormatException($"SFMC's answer to MobileConnect message '{messageId}' has no tokenId.");
        });
    }
}

/// <summary>What a MobileConnect send goes to, and how.</summary>
/// <param name="Keyword">The keyword of the message's code (case as in MobileConnect).</param>
public sealed record MobileConnectSend(string Keyword)
{
    /// <summary>Mobile numbers with country code (for example 15555550100).</summary>
    public IEnumerable<string>? MobileNumbers { get; init; }

    /// <summary>Subscribers with their number, key and attributes.</summary>
    public IEnumerable<MobileConnectSubscriber>? Subscribers { get; init; }

    /// <summary>Subscribe numbers not yet subscribed to the keyword (default true).</summary>
    public bool Subscribe { get; init; } = true;

    /// <summary>Resubscribe numbers that opted out (default true; SFMC only resubscribes those that opted in again).</summary>
    public bool Resubscribe { get; init; } = true;

    /// <summary>Text that replaces the message's own (sent with <c>Override</c>); null sends the message as defined.</summary>
    public string? MessageText { get; init; }
}

/// <summary>A MobileConnect subscriber.</summary>
/// <param name="MobileNumber">The mobile number with country code.</param>
/// <param name="SubscriberKey">The subscriber key.</param>
/// <param name="Attributes">Attributes for the message's personalization (names are case-sensitive).</param>
public sealed record MobileConnectSubscriber(string MobileNumber, string SubscriberKey, IReadOnlyDictionary<string, object?>? Attributes = null);

/// <summary>A MobileConnect message declared in <c>sfmc.json</c> (<c>client.MobileConnect.&lt;Name&gt;</c>): its id and keyword, bound to a client.</summary>
public sealed class MobileConnectMessage
{
    private readonly MobileConnectClient _client;

    /// <summary>Binds a declared message to a client.</summary>
    public MobileConnectMessage(MobileConnectClient client, [SfmcKey(SfmcKeyKind.MobileConnectMessage)] string messageId, string keyword)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentException.ThrowIfNullOrEmpty(messageId);
        ArgumentException.ThrowIfNullOrEmpty(keyword);
        _client = client;
        MessageId = messageId;
        Keyword = keyword;
    }

    /// <summary>The message's id.</summary>
    public string MessageId { get; }

    /// <summary>The keyword it is sent with.</summary>
    public string Keyword { get; }

    /// <summary>Sends the message to mobile numbers; returns SFMC's tokenIds (one per 250 numbers).</summary>
    /// <param name="mobileNumbers">Numbers with country code.</param>
    /// <param name="messageText">Text replacing the message's own; null sends it as defined.</param>
    /// <param name="cancellationToken">Cancels the remaining requests.</param>
    public Task<IReadOnlyList<string>> SendAsync(IEnumerable<string> mobileNumbers, string? messageText = null, CancellationToken cancellationToken = default) =>
        _client.SendAsync(MessageId, new MobileConnectSend(Keyword) { MobileNumbers = mobileNumbers, MessageText = messageText }, cancellationToken);

    /// <summary>Sends the message to subscribers; returns SFMC's tokenIds (one per 250 subscribers).</summary>
    /// <param name="subscribers">The subscribers.</param>
    /// <param name="messageText">Text replacing the message's own; null sends it as defined.</param>
    /// <param name="cancellationToken">Cancels the remaining requests.</param>
    public Task<IReadOnlyList<string>> SendAsync(IEnumerable<MobileConnectSubscriber> subscribers, string? messageText = null, CancellationToken cancellationToken = default) =>
        _client.SendAsync(MessageId, new MobileConnectSend(Keyword) { Subscribers = subscribers, MessageText = messageText }, cancellationToken);
}
