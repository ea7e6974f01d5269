// Quickstart: three DE files in DataExtensions/ become typed rows at compile time; this program writes them to
// SFMC and reads them back.
//
// With no settings it starts the embedded SFMC emulator in-process: no tenant, no credentials. To run against a
// real tenant, set SFMC__AUTHBASEURI (https://{subdomain}.auth.marketingcloudapis.com/), SFMC__CLIENTID and
// SFMC__CLIENTSECRET (optionally SFMC__ACCOUNTID); the three DEs must exist there with these keys.
using System;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Quickstart.DataExtensions;
using Sfmc.Client;
using Sfmc.Emulator;

var settings = new ConfigurationBuilder().AddEnvironmentVariables().Build().GetSection("Sfmc");
await using var emulator = settings["AuthBaseUri"] is null
    ? await SfmcEmulator.StartAsync(o =>
    {
        o.DataExtensions.Add(CustomersRow.Schema);
        o.DataExtensions.Add(OrdersRow.Schema);
        o.DataExtensions.Add(OrderLinesRow.Schema);
    })
    : null;

var services = new ServiceCollection();
services.AddLogging(b => b.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning));
if (emulator is null)
{
    services.AddSfmc(settings);
    Console.WriteLine($"Using the tenant at {settings["AuthBaseUri"]}.");
}
else
{
    services.AddSfmc(o =>
    {
        o.AuthBaseUri = emulator.BaseUri;
        o.ClientId = emulator.ClientId;
        o.ClientSecret = emulator.ClientSecret;
    });
    Console.WriteLine($"Using the embedded SFMC emulator at {emulator.BaseUri} (set SFMC__* to use a tenant).");
}

await using var provider = services.BuildServiceProvider();
var sfmc = provider.GetRequiredService<SfmcClient>();

var customers = new[]
{
    new CustomersRow { SubscriberKey = "cust-001", EmailAddress = "ada@example.com", FirstName = "Ada", OptedIn = true, SignedUp = new DateTime(2026, 11, 1, 9, 30, 0, DateTimeKind.Utc) },
    new CustomersRow { SubscriberKey = "cust-002", EmailAddress = "alan@example.com" },
};
var order = new OrdersRow { OrderId = "ord-1001", SubscriberKey = "cust-001", Total = 42.50m, Items = 2, PlacedAt = new DateTime(2026, 11, 20, 14, 5, 0, DateTimeKind.Utc) };
var lines = new[]
{
    new OrderLinesRow { OrderId = order.OrderId, LineNo = 1, Sku = "TEA-GREEN", UnitPrice = 12.50m },
    new OrderLinesRow { OrderId = order.OrderId, LineNo = 2, Sku = "MUG-BLUE", UnitPrice = 30.00m },
    // Too long for sku (Text 50): reported with its primary key, never sent; the other rows are written.
    new OrderLinesRow { OrderId = order.OrderId, LineNo = 3, Sku = new string('X', 60), UnitPrice = 1m },
};

Report(await sfmc.DataExtension<CustomersRow>().UpsertAsync(customers));
Report(await sfmc.DataExtension<OrdersRow>().UpsertAsync(new[] { order }));
Report(await sfmc.DataExtension<OrderLinesRow>().UpsertAsync(lines));

Console.WriteLine("Read back from SFMC as typed rows:");
await foreach (var customer in sfmc.DataExtension<CustomersRow>().QueryAsync())
{
    Console.WriteLine($"  {customer}");
}

await foreach (var line in sfmc.DataExtension<OrderLinesRow>().QueryAsync())
{
    Console.WriteLine($"  {line}");
}

Console.WriteLine("The JSON sent for one row: " + DataExtensionJson.SerializeRowset(lines.Take(1)));

static void Report(DataExtensionWriteResult result)
{
    Console.WriteLine($"{result.DataExtensionKey}: {result.RowsSucceeded}/{result.RowsSubmitted} rows written in {result.Requests} request(s).");
    foreach (var failed in result.FailedRows)
    {
        Console.WriteLine($"  not written [{failed.PrimaryKey}]: {failed.Message}");
    }
}
