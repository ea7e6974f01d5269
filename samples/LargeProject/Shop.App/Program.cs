// The large-project pattern: the rows come from Shop.Sfmc (a class library that holds the DE files); this app only
// uses them. Editing this file rebuilds this project alone: the rows are not generated or compiled again. The key
// check still works here: "Orders" below is checked against the keys Shop.Sfmc declares (a typo is SFMC0150).
//
// With no settings it starts the embedded SFMC emulator; set SFMC__AUTHBASEURI, SFMC__CLIENTID and SFMC__CLIENTSECRET
// to use a tenant that has the two DEs.
using Microsoft.Extensions.DependencyInjection;
using Sfmc.Client;
using Sfmc.Samples;
using Shop.Sfmc.DataExtensions;

var settings = SampleSfmc.Settings();
await using var emulator = await SampleSfmc.StartEmulatorUnlessTenantAsync(settings, o =>
{
    o.DataExtensions.Add(OrdersRow.Schema);
    o.DataExtensions.Add(OrderLinesRow.Schema);
});

var services = new ServiceCollection();
SampleSfmc.AddSfmc(services, settings, emulator);
await using var provider = services.BuildServiceProvider();
var sfmc = provider.GetRequiredService<SfmcClient>();

var order = new OrdersRow { OrderId = "ord-2001", SubscriberKey = "cust-001", Total = 24.00m, Items = 2, PlacedAt = new DateTime(2026, 12, 6, 10, 0, 0, DateTimeKind.Utc) };
var lines = new[]
{
    new OrderLinesRow { OrderId = order.OrderId, LineNo = 1, Sku = "TEA-BLACK", UnitPrice = 9.00m },
    new OrderLinesRow { OrderId = order.OrderId, LineNo = 2, Sku = "CUP-WHITE", UnitPrice = 15.00m },
};

foreach (var written in new[] { await sfmc.DataExtension<OrdersRow>().UpsertAsync(new[] { order }), await sfmc.DataExtension<OrderLinesRow>().UpsertAsync(lines) })
{
    Console.WriteLine($"{written.DataExtensionKey}: {written.RowsSucceeded}/{written.RowsSubmitted} rows written");
}

// The untyped client with a constant key: checked at compile time against Shop.Sfmc's declarations.
var count = 0;
await foreach (var row in sfmc.DataExtension("Orders").QueryAsync())
{
    count++;
}

Console.WriteLine($"Orders read back untyped: {count} row(s)");
