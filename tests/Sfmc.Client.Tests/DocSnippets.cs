// Every C# block of docs/getting-started.md and docs/migrating-from-fuelsdk.md, compiled against this project's DEs
// (MyShop.DataExtensions in the docs is Sfmc.Client.Tests.DataExtensions here). DocsTests fails when a block in the
// docs is not found here, line for line (using directives and indentation aside): edit both together.
using System;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Sfmc.Client.Tests.DataExtensions;
using Sfmc.Emulator;
using Sfmc.Soap;
using Xunit;

namespace Sfmc.Client.Tests;

public sealed class OrderSyncTests
{
    [Fact]
    public async Task An_upsert_twice_leaves_one_row_with_the_last_values()
    {
        await using var emulator = await SfmcEmulator.StartAsync(o => o.DataExtensions.Add(OrderLinesRow.Schema));
        var services = new ServiceCollection();
        services.AddSfmc(o =>
        {
            o.AuthBaseUri = emulator.BaseUri;
            o.ClientId = emulator.ClientId;
            o.ClientSecret = emulator.ClientSecret;
        });
        await using var provider = services.BuildServiceProvider();
        var orders = provider.GetRequiredService<SfmcClient>().DataExtension<OrderLinesRow>();

        await orders.UpsertAsync([new OrderLinesRow { OrderId = "A-1", LineNo = 1, Sku = "TEA", UnitPrice = 4.50m }]);
        await orders.UpsertAsync([new OrderLinesRow { OrderId = "A-1", LineNo = 1, Sku = "TEA", UnitPrice = 5.00m }]);

        var row = Assert.Single(await emulator.GetRowsAsync(OrderLinesRow.CustomerKey));
        Assert.Equal("5.00", row[OrderLinesRow.Fields.UnitPrice]);
        Assert.Single(emulator.TokenGrants);
    }
}

/// <summary>The statement blocks of the docs, one method each (not run: they would need a tenant).</summary>
internal static class DocSnippets
{
    public static async Task GettingStartedFirstUpsert()
    {
        var services = new ServiceCollection();
        services.AddSfmc(o =>
        {
            o.AuthBaseUri = new Uri("https://YOUR_SUBDOMAIN.auth.marketingcloudapis.com/");
            o.ClientId = Environment.GetEnvironmentVariable("SFMC_CLIENT_ID")!;
            o.ClientSecret = Environment.GetEnvironmentVariable("SFMC_CLIENT_SECRET")!;
        });
        await using var provider = services.BuildServiceProvider();
        var sfmc = provider.GetRequiredService<SfmcClient>();

        var lines = new[]
        {
            new OrderLinesRow { OrderId = "A-1001", LineNo = 1, Sku = "TEA-GREEN", UnitPrice = 12.50m },
            new OrderLinesRow { OrderId = "A-1001", LineNo = 2, Sku = "MUG-BLUE", UnitPrice = 30.00m, Quantity = 2 },
        };
        DataExtensionWriteResult result = await sfmc.DataExtension<OrderLinesRow>().UpsertAsync(lines);
        Console.WriteLine($"{result.RowsSucceeded}/{result.RowsSubmitted} rows written in {result.Requests} request(s)");
        foreach (var failed in result.FailedRows)
        {
            Console.WriteLine($"not written [{failed.PrimaryKey}]: {failed.Message}");
        }

        await foreach (var line in sfmc.DataExtension<OrderLinesRow>().QueryAsync())
        {
            Console.WriteLine($"{line.OrderId}/{line.LineNo}: {line.Quantity} x {line.Sku} at {line.UnitPrice}");
        }
    }

    public static void MigratingSetup(IServiceCollection services, IConfiguration configuration)
    {
        services.AddSfmc(o =>
        {
            o.AuthBaseUri = new Uri("https://YOUR_SUBDOMAIN.auth.marketingcloudapis.com/");
            o.ClientId = configuration["Sfmc:ClientId"]!;
            o.ClientSecret = configuration["Sfmc:ClientSecret"]!;
            o.AccountId = "123456789";           // the MID; leave null for the package's own business unit
        });
        services.AddSfmc("child-bu", configuration.GetSection("Sfmc:ChildBu")); // another MID: its own token, same pipeline
    }

    public static async Task MigratingDataExtension(SfmcClient sfmc)
    {
        var created = await sfmc.Soap.CreateDataExtensionAsync(OrderLinesRow.Schema);
        Console.WriteLine(created.IsSuccess ? "created" : $"not created: {created.StatusMessage}");

        await foreach (var de in sfmc.Soap.RetrieveAsync<DataExtension>(DataExtension.Property.CustomerKey.IsEqualTo(OrderLinesRow.CustomerKey)))
        {
            Console.WriteLine($"{de.CustomerKey}: {de.Name}");
        }
    }

    public static async Task MigratingRows(SfmcClient sfmc)
    {
        var orders = sfmc.DataExtension<OrderLinesRow>();

        // Post/Patch → one upsert by primary key, any number of rows, batched and retried safely.
        var written = await orders.UpsertAsync([new OrderLinesRow { OrderId = "A-1", LineNo = 1, Sku = "TEA", UnitPrice = 4.50m }]);
        foreach (var failed in written.FailedRows)
        {
            Console.WriteLine($"[{failed.PrimaryKey}] {failed.Message}");
        }

        // Post that must not overwrite → insert (never replayed blindly: a lost answer is reported, not resent).
        await orders.InsertAsync([new OrderLinesRow { OrderId = "A-2", LineNo = 1, Sku = "MUG", UnitPrice = 9.00m }]);

        // Get by primary key, Get all (paged), Get with a filter (SOAP, typed by the DE's fields).
        var key = new DataExtensionPrimaryKey(new(OrderLinesRow.Fields.OrderId, "A-1"), new(OrderLinesRow.Fields.LineNo, 1));
        OrderLinesRow? one = await orders.GetAsync(key);
        await foreach (var row in orders.QueryAsync())
        {
            Console.WriteLine(row);
        }

        // Delete by primary key.
        var deleted = await orders.DeleteAsync([key]);
        Console.WriteLine($"{deleted.Results.Count(r => r.IsSuccess)} deleted, {one?.Sku}");
    }

    public static async Task MigratingTriggeredSend(SfmcClient sfmc)
    {
        await sfmc.TriggeredSends.OrderConfirmation.SendAsync("c-1", "ada@example.com", new() { FirstName = "Ada" });
    }

    public static async Task MigratingSubscribers(SfmcClient sfmc)
    {
        var soap = sfmc.Soap;
        await soap.UpsertAsync([new Subscriber { SubscriberKey = "c-1", EmailAddress = "ada@example.com" }]); // Post + Patch
        await foreach (var subscriber in soap.RetrieveAsync<Subscriber>(
            Subscriber.Property.Status.IsEqualTo(SubscriberStatus.Active) & Subscriber.Property.EmailAddress.IsLike("%@example.com")))
        {
            Console.WriteLine($"{subscriber.SubscriberKey}: {subscriber.Status}");
        }

        var removed = await soap.DeleteAsync([new Subscriber { SubscriberKey = "c-1" }]);
        foreach (var result in removed.Failed)
        {
            Console.WriteLine($"{result.Object.SubscriberKey}: {result.StatusMessage} ({result.ErrorCode})");
        }
    }

    public static async Task MigratingPaging(SfmcClient sfmc)
    {
        var count = 0;
        await foreach (var sent in sfmc.Soap.RetrieveAsync<SentEvent>(SentEvent.Property.EventDate.IsGreaterThan(DateTime.UtcNow.AddDays(-1))))
        {
            count++; // pages of 2,500 are fetched as you go, with ContinueRequest while SFMC says MoreDataAvailable
        }

        Console.WriteLine($"{count} sends in the last day");
    }
}
