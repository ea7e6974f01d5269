using System;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using System.Threading;
using System.Threading.Tasks;
using Sfmc.Client.Tests.DataExtensions;
using Sfmc.Client.Tests.Messaging;
using Xunit;

namespace Sfmc.Client.Tests;

/// <summary>
/// The triggered sends, transactional definitions, MobileConnect messages and synchronized DE of this project's
/// sfmc.json, used through their generated members against an emulator that loads the same file, over real HTTP.
/// </summary>
public sealed class DeclaredSendTests
{
    private static Task<TestHost> StartAsync(Action<Sfmc.Emulator.SfmcEmulatorOptions>? emulator = null) =>
        TestHost.StartAsync(o =>
        {
            o.DeclarationFiles.Add(System.IO.Path.Combine(AppContext.BaseDirectory, "TestData", "Declarations", "sfmc.json"));
            o.DataExtensions.Add(ContactSalesforceRow.Schema);
            emulator?.Invoke(o);
        });

    [Fact]
    public async Task A_declared_transactional_email_sends_typed_attributes_once_per_messageKey()
    {
        await using var host = await StartAsync();
        var receipt = host.Client.Transactional.Receipt;
        var key = TransactionalMessageKey.For("receipt", "A-1001");

        Assert.Equal(key, await receipt.SendAsync("c-1", "c1@example.com", new ReceiptEmail.Attributes { OrderNumber = "A-1001", Total = 99.95m }, key));
        Assert.Equal(key, await receipt.SendAsync("c-1", "c1@example.com", new ReceiptEmail.Attributes { OrderNumber = "A-1001", Total = 99.95m }, key));

        var message = Assert.Single(host.Emulator.SentMessages);
        Assert.Equal(("email", ReceiptEmail.DefinitionKey, key), (message.Channel, message.DefinitionKey, message.MessageKey));
        Assert.Equal("A-1001", message.Attributes.GetProperty("Order Number").GetString());
        Assert.Equal(99.95m, message.Attributes.GetProperty("Total").GetDecimal());
        Assert.Equal(TransactionalMessageState.Sent, (await receipt.GetStatusAsync(key)).State);

        // The emulator knows the declared definitions, so an undeclared key (written as a variable: as a constant the
        // analyzer would refuse it, SFMC0352) is unknown to the tenant too.
        var undeclared = "receipt-email-v2";
        await Assert.ThrowsAsync<SfmcNotFoundException>(() => host.Client.Transactional.Email.SendAsync(undeclared, new TransactionalRecipient("c-1", "c1@example.com")));
    }

    [Fact]
    public async Task A_declared_sms_batch_goes_500_to_a_request_and_a_de_typed_email_writes_the_row()
    {
        await using var host = await StartAsync();
        var recipients = Enumerable.Range(0, 1200).Select(i => new TransactionalRecipient<LoginCodeSms.Attributes>($"c-{i}", $"+1555555{i:D4}", new LoginCodeSms.Attributes { Code = (100000 + i).ToString(System.Globalization.CultureInfo.InvariantCulture) }));

        var result = await host.Client.Transactional.LoginCode.SendAsync(recipients);

        Assert.Equal((1200, 1200, 3), (result.Submitted, result.Accepted, result.Requests));
        var sent = host.Emulator.SentMessages.Where(m => m.Channel == "sms").ToList();
        Assert.Equal(1200, sent.Count);
        Assert.All(sent, m => Assert.Equal(LoginCodeSms.DefinitionKey, m.DefinitionKey));
        Assert.Equal("100007", sent.Single(m => m.ContactKey == "c-7").Attributes.GetProperty("Code").GetString());

        await host.Client.Transactional.WelcomeBack.SendAsync("c-1", "c1@example.com", new CustomersRow { SubscriberKey = "c-1", Email = "c1@example.com", FirstName = "Ada", VIP = true });
        var welcome = host.Emulator.SentMessages.Single(m => m.Channel == "email");
        Assert.Equal("Ada", welcome.Attributes.GetProperty("First Name").GetString());
        Assert.True(welcome.Attributes.GetProperty("VIP").GetBoolean());
    }

    [Fact]
    public async Task A_declared_triggered_send_sends_typed_subscriber_attributes_and_one_that_is_not_active_is_refused()
    {
        // sfmc.json declares password-reset; the tenant has it, but not started.
        await using var host = await StartAsync(o => o.TriggeredSendDefinitions["password-reset"] = "Inactive");
        var confirmation = host.Client.TriggeredSends.OrderConfirmation;

        var id = await confirmation.SendAsync("c-1", "c1@example.com", new OrderConfirmationTriggeredSend.Attributes { FirstName = "Ada", LifetimeValue = 1250.5m });

        var message = Assert.Single(host.Emulator.SentMessages);
        Assert.Equal(("triggered", "order-confirmation", id, "c-1", "c1@example.com"), (message.Channel, message.DefinitionKey, message.MessageKey, message.ContactKey, message.To));
        Assert.Equal("Ada", message.Attributes.GetProperty("First Name").GetString());
        Assert.Equal(1250.5m, message.Attributes.GetProperty("Lifetime Value").GetDecimal());

        var refused = await Assert.ThrowsAsync<SfmcValidationException>(() => host.Client.TriggeredSends.PasswordReset.SendAsync("c-1", "c1@example.com", null));
        Assert.Equal(18001, refused.ErrorCode);

        var batch = await confirmation.SendAsync(
        [
            new("c-2", "c2@example.com", new OrderConfirmationTriggeredSend.Attributes { FirstName = "Bo" }),
            new("c-3", "", new OrderConfirmationTriggeredSend.Attributes()),
            new("c-4", "c4@example.com", new OrderConfirmationTriggeredSend.Attributes()),
        ]);
        Assert.Equal((3, 2), (batch.Submitted, batch.Accepted));
        Assert.Equal(1, Assert.Single(batch.Errors).Index);
        Assert.Null(batch.RecipientSendIds[1]);
        Assert.Equal(
            new[] { batch.RecipientSendIds[0], batch.RecipientSendIds[2] }.Order(StringComparer.Ordinal),
            host.Emulator.SentMessages.Skip(1).Select(m => m.MessageKey).Order(StringComparer.Ordinal));

        await confirmation.SendAsync("c-5", "c5@example.com", null!); // no attributes at all: sent as {}
        Assert.Empty(host.Emulator.SentMessages[^1].Attributes.EnumerateObject());
    }

    [Fact]
    public async Task A_declared_MobileConnect_message_goes_250_numbers_to_a_request_with_its_keyword()
    {
        await using var host = await StartAsync();
        var numbers = Enumerable.Range(0, 600).Select(i => $"1555555{i:D4}").ToList();

        var tokens = await host.Client.MobileConnect.FlashSale.SendAsync(numbers, "50% off until midnight");

        Assert.Equal(3, tokens.Distinct().Count());
        Assert.Equal(numbers, host.Emulator.SentMessages.Select(m => m.To));
        Assert.Equal([250, 250, 100], host.Emulator.SentMessages.GroupBy(m => m.MessageKey).Select(g => g.Count()).OrderDescending());
        var requests = host.Emulator.Requests.Where(r => r.Path == "/sms/v1/messageContact/MTA6Nzg6MA/send").ToList();
        Assert.Equal(3, requests.Count);

        var undeclared = "MTA6Nzg6MQ";
        await Assert.ThrowsAsync<SfmcNotFoundException>(() => host.Client.MobileConnect.SendAsync(undeclared, new MobileConnectSend("SALE") { MobileNumbers = ["15555550100"] }));
    }

    [Fact]
    public async Task A_synchronized_DE_is_read_through_its_read_only_row_and_the_tenant_refuses_writes_to_it()
    {
        await using var host = await StartAsync();
        await host.Emulator.AddRowsAsync(ContactSalesforceRow.CustomerKey,
        [
            new Dictionary<string, object?> { ["Id"] = "0035g00000AbCdE", ["Email"] = "ada@example.com", ["FirstName"] = "Ada", ["HasOptedOutOfEmail"] = false },
            new Dictionary<string, object?> { ["Id"] = "0035g00000FgHiJ", ["Email"] = "bo@example.com", ["HasOptedOutOfEmail"] = true },
        ]);
        var contacts = host.Client.ReadOnlyDataExtension<ContactSalesforceRow>();

        var rows = new List<ContactSalesforceRow>();
        await foreach (var row in contacts.QueryAsync())
        {
            rows.Add(row);
        }

        Assert.Equal(["ada@example.com", "bo@example.com"], rows.Select(r => r.Email).Order(StringComparer.Ordinal));
        Assert.Equal("Ada", (await contacts.GetAsync(new DataExtensionPrimaryKey(new KeyValuePair<string, object?>("Id", "0035g00000AbCdE"))))!.FirstName);

        // Typed writes do not compile (ContactSalesforceRow is not an IDataExtensionRow); an untyped write with the key
        // in a variable gets past the analyzer (SFMC0354) and is refused by the tenant.
        var key = ContactSalesforceRow.CustomerKey;
        var refused = await host.Client.DataExtension(key).UpsertAsync(
            [new DataExtensionRow(new Dictionary<string, object?> { ["Id"] = "x" }, new Dictionary<string, object?> { ["Email"] = "x@example.com" })]);
        Assert.False(refused.Succeeded);
        Assert.Contains("read-only", Assert.Single(refused.FailedRows).Message, StringComparison.Ordinal);

        // The same over SOAP: a DataExtensionObject Create is refused per object.
        var soap = await host.Client.Soap.WriteCoreAsync<string, Sfmc.Client.Soap.SfmcSoapClient.NoObject>("Create", null, "DataExtensionObject", ["x"], (writer, id) =>
        {
            writer.WriteElement("CustomerKey"u8, key);
            writer.WriteStartElement("Properties"u8);
            writer.WriteStartElement("Property"u8);
            writer.WriteElement("Name"u8, "Id");
            writer.WriteElement("Value"u8, id);
            writer.WriteEndElement("Property"u8);
            writer.WriteEndElement("Properties"u8);
        }, null, CancellationToken.None);
        var soapResult = Assert.Single(soap.Results);
        Assert.False(soapResult.IsSuccess);
        Assert.Equal(30005, soapResult.ErrorCode);
        Assert.Equal(2, (await host.Emulator.GetRowsAsync(key)).Count);
    }
}
