using System;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using System.Threading.Tasks;
using Sfmc.Client.Tests.Rest;
using Xunit;

namespace Sfmc.Client.Tests;

/// <summary>
/// Transactional email/SMS, triggered sends and MobileConnect against the emulator over real HTTP: the runtime's
/// retry-safe batches, status polling, and the operations generated from specs/sfmc-rest.openapi.yaml on client.Rest.
/// </summary>
public sealed class TransactionalTests
{
    private const string Definition = "receipt-email";
    private const string SmsDefinition = "login-code-sms";

    private static IEnumerable<TransactionalRecipient> Recipients(int count) =>
        Enumerable.Range(0, count).Select(i => new TransactionalRecipient($"c-{i}", $"c{i}@example.com", new Dictionary<string, object?> { ["OrderId"] = i }));

    [Fact]
    public async Task Transactional_batch_retried_after_an_injected_500_sends_each_message_exactly_once()
    {
        await using var host = await TestHost.StartAsync();
        host.PumpTime();
        // The first request is processed by "SFMC", but its answer is a 500: the client cannot know it was sent.
        host.Emulator.Faults.FailAfterProcessingNext(1, HttpStatusCode.InternalServerError, "/messaging/v1/email/messages");

        var result = await host.Client.Transactional.Email.SendAsync(Definition, Recipients(1200));

        Assert.Empty(result.Errors);
        Assert.Equal(1200, result.Accepted);
        Assert.Equal(3, result.Requests);
        Assert.True(result.Retries >= 1, "the failed request was retried");
        Assert.Equal(4, host.Emulator.Requests.Count(r => r.Method == "POST" && r.Path.StartsWith("/messaging/v1/email/messages", StringComparison.Ordinal)));
        var sent = host.Emulator.SentMessages.Where(m => m.Channel == "email").ToList();
        Assert.Equal(1200, sent.Count);
        Assert.Equal(1200, sent.Select(m => m.MessageKey).Distinct().Count());
        Assert.Equal(Enumerable.Range(0, 1200).Select(i => $"c-{i}"), sent.Select(m => m.ContactKey).Order(Comparer<string>.Create((a, b) => int.Parse(a[2..]).CompareTo(int.Parse(b[2..])))));
        Assert.Equal(result.MessageKeys.Order(StringComparer.Ordinal), sent.Select(m => m.MessageKey).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Batches_default_to_500_recipients_and_never_exceed_2000()
    {
        await using var host = await TestHost.StartAsync();

        var result = await host.Client.Transactional.Sms.SendAsync(SmsDefinition, Recipients(1001));
        Assert.Equal(3, result.Requests);
        Assert.Equal(1001, host.Emulator.SentMessages.Count(m => m.Channel == "sms"));
        Assert.Equal([500, 500, 1], RecipientsPerRequest(host.Emulator.SentMessages));

        var big = await host.Client.Transactional.Sms.SendAsync(SmsDefinition, Recipients(4001).Select(r => r with { MessageKey = "big-" + r.ContactKey }), TransactionalMessagesClient.MaxRecipientsPerRequest);
        Assert.Equal(3, big.Requests);
        Assert.Empty(big.Errors);
        Assert.Equal([2000, 2000, 1], RecipientsPerRequest(host.Emulator.SentMessages.Where(m => m.MessageKey.StartsWith("big-", StringComparison.Ordinal))));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => host.Client.Transactional.Sms.SendAsync(SmsDefinition, Recipients(1), 2001));
    }

    [Fact]
    public async Task A_messageKey_is_sent_once_even_when_the_send_is_repeated()
    {
        await using var host = await TestHost.StartAsync();
        var key = TransactionalMessageKey.For("order-confirmation", "A-1001");
        var recipient = new TransactionalRecipient("c-1", "c1@example.com", MessageKey: key);

        Assert.Equal(key, await host.Client.Transactional.Email.SendAsync(Definition, recipient));
        Assert.Equal(key, await host.Client.Transactional.Email.SendAsync(Definition, recipient));
        var again = await host.Client.Transactional.Email.SendAsync(Definition, [recipient, recipient with { ContactKey = "c-2" }]);

        Assert.Equal(key, Assert.Single(host.Emulator.SentMessages).MessageKey);
        var duplicate = Assert.Single(again.Errors);
        Assert.Equal(1, duplicate.Index);
        Assert.Contains("earlier recipient", duplicate.Message, StringComparison.Ordinal);
        Assert.Equal(64, TransactionalMessageKey.For(new string('x', 120)).Length);
    }

    [Fact]
    public async Task Status_moves_from_queued_to_sent_or_not_sent_and_polling_waits_for_it()
    {
        await using var host = await TestHost.StartAsync(o =>
        {
            o.SendDelay = TimeSpan.FromSeconds(30);
            o.UndeliverableAddresses.Add("bounce@example.com");
        });
        var email = host.Client.Transactional.Email;
        var ok = await email.SendAsync(Definition, new TransactionalRecipient("c-1", "c1@example.com"));
        var bad = await email.SendAsync(Definition, new TransactionalRecipient("c-2", "bounce@example.com"));

        Assert.Equal(TransactionalMessageState.Queued, (await email.GetStatusAsync(ok)).State);
        host.PumpTime();
        var sent = await email.WaitForStatusAsync(ok, TimeSpan.FromSeconds(5), TimeSpan.FromMinutes(2));
        Assert.Equal(TransactionalMessageState.Sent, sent.State);
        Assert.Equal("TransactionalSendEvents.EmailSent", sent.EventCategoryType);

        var notSent = await email.GetStatusAsync(bad);
        Assert.Equal(TransactionalMessageState.NotSent, notSent.State);
        Assert.NotNull(notSent.StatusMessage);
        var missing = await Assert.ThrowsAsync<SfmcNotFoundException>(() => email.GetStatusAsync("no-such-key"));
        Assert.Equal(30003, missing.ErrorCode);
    }

    [Fact]
    public async Task Generated_rest_operations_send_and_read_status_over_http()
    {
        await using var host = await TestHost.StartAsync();
        var rest = host.Client.Rest;

        var sent = await rest.SendEmailToSingleRecipientAsync("welcome-1", new SendEmailToSingleRecipientRequest
        {
            DefinitionKey = Definition,
            Recipient = new Recipient { ContactKey = "c-1", To = "c1@example.com", Attributes = new() { ["FirstName"] = "Ada", ["Total"] = 12.5m } },
        });
        Assert.False(string.IsNullOrEmpty(sent.RequestId));
        Assert.Equal("welcome-1", Assert.Single(sent.Responses!).MessageKey);

        var status = await rest.GetEmailSendStatusAsync("welcome-1");
        Assert.Equal("TransactionalSendEvents.EmailSent", status.EventCategoryType);
        Assert.Equal("c-1", status.Info!.ContactKey);
        // SFMC writes times in CST without an offset: read as UTC−6.
        Assert.Equal(host.Time.GetUtcNow(), status.Timestamp!.Value.ToUniversalTime(), TimeSpan.FromSeconds(1));

        var message = Assert.Single(host.Emulator.SentMessages);
        Assert.Equal("Ada", message.Attributes.GetProperty("FirstName").GetString());
        Assert.Equal(12.5m, message.Attributes.GetProperty("Total").GetDecimal());

        var batch = await rest.SendSmsToMultipleRecipientsAsync(new SendSmsToMultipleRecipientsRequest
        {
            DefinitionKey = "sms-alert",
            Recipients = [new Recipient { ContactKey = "c-2", To = "15555550100", MessageKey = "m-2" }, new Recipient { ContactKey = "c-3", To = "15555550101", MessageKey = "m-2" }],
        });
        Assert.Equal(2, batch.Responses!.Count);
        Assert.Equal(30001, batch.Responses[1].Errorcode);
    }

    [Fact]
    public async Task Triggered_sends_need_an_active_definition()
    {
        await using var host = await TestHost.StartAsync(o =>
        {
            o.TriggeredSendDefinitions["welcome-tsd"] = "Active";
            o.TriggeredSendDefinitions["draft-tsd"] = "New";
        });
        var request = new TriggeredSendRequest
        {
            To = new TriggeredSendTo
            {
                Address = "c1@example.com",
                SubscriberKey = "c-1",
                ContactAttributes = new TriggeredSendContactAttributes { SubscriberAttributes = new() { ["FirstName"] = "Ada" } },
            },
        };

        var response = await host.Client.Rest.SendTriggeredEmailAsync("welcome-tsd", request);
        var item = Assert.Single(response.Responses!);
        Assert.False(item.HasErrors);
        Assert.Equal(item.RecipientSendId, Assert.Single(host.Emulator.SentMessages).MessageKey);

        var refused = await Assert.ThrowsAsync<SfmcValidationException>(() => host.Client.Rest.SendTriggeredEmailAsync("draft-tsd", request));
        Assert.Equal(18001, refused.ErrorCode);
        Assert.Contains("Active", refused.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<SfmcNotFoundException>(() => host.Client.Rest.SendTriggeredEmailAsync("Welcome-TSD", request));
        Assert.Single(host.Emulator.SentMessages);
    }

    [Fact]
    public async Task MobileConnect_sends_to_numbers_and_subscribers_and_refuses_more_than_250()
    {
        await using var host = await TestHost.StartAsync();

        var token = await host.Client.Rest.SendMobileConnectMessageAsync("MzA6Nzg6MA", new MessageContactSendRequest
        {
            MobileNumbers = ["15555550100"],
            Subscribers = [new MessageContactSubscriber { MobileNumber = "15555550101", SubscriberKey = "c-1" }],
            Subscribe = true,
            Keyword = "JOIN",
        });
        Assert.False(string.IsNullOrEmpty(token.TokenId));
        Assert.Equal(["15555550100", "15555550101"], host.Emulator.SentMessages.Select(m => m.To));

        var tooMany = new MessageContactSendRequest { Subscribers = Enumerable.Range(0, 251).Select(i => new MessageContactSubscriber { MobileNumber = $"1555555{i:D4}" }).ToList() };
        var refused = await Assert.ThrowsAsync<SfmcValidationException>(() => host.Client.Rest.SendMobileConnectMessageAsync("MzA6Nzg6MA", tooMany));
        Assert.Equal(10000, refused.ErrorCode);
    }

    /// <summary>How many recipients each request carried, largest first (requests may run concurrently).</summary>
    private static int[] RecipientsPerRequest(IEnumerable<Sfmc.Emulator.EmulatorSentMessage> sent) =>
        sent.GroupBy(m => m.RequestId).Select(g => g.Count()).OrderDescending().ToArray();
}
