// OrderConfirmations: one transactional email per order, keyed by TransactionalMessageKey.For("order-confirmation",
// orderId). SFMC sends a messageKey once in 72 hours, so running this job again (a crash, a retry, a redeploy) sends
// nothing twice: the same order always gets the same key.
//
// With no settings it starts the SFMC emulator in-process and runs the job twice, as a re-run would; with SFMC__*
// set it runs once against that tenant (or a standalone emulator), and may be run again to see nothing sent twice.
using Microsoft.Extensions.DependencyInjection;
using OrderConfirmations.Messaging;
using Sfmc.Client;
using Sfmc.Samples;

var settings = SampleSfmc.Settings();
await using var emulator = await SampleSfmc.StartEmulatorUnlessTenantAsync(settings, _ => { });
var services = new ServiceCollection();
SampleSfmc.AddSfmc(services, settings, emulator);
await using var provider = services.BuildServiceProvider();
var sfmc = provider.GetRequiredService<SfmcClient>();

// The orders to confirm, as a shop's database would hand them over.
Order[] orders =
[
    new("A-1001", "cust-001", "ada@example.com", 42.50m, 2),
    new("A-1002", "cust-002", "alan@example.com", 19.99m, 1),
    new("A-1003", "cust-003", "grace@example.com", 120.00m, 5),
];

var runs = emulator is null ? 1 : 2;
for (var run = 1; run <= runs; run++)
{
    var result = await sfmc.Transactional.OrderConfirmation.SendAsync(orders.Select(order =>
        new TransactionalRecipient<OrderConfirmationEmail.Attributes>(
            order.CustomerKey,
            order.Email,
            new() { OrderNumber = order.Id, Total = order.Total, ItemCount = order.Items },
            TransactionalMessageKey.For(OrderConfirmationEmail.DefinitionKey, order.Id))));
    Console.WriteLine($"run {run}: {result.Accepted}/{result.Submitted} confirmations accepted in {result.Requests} request(s)");
    foreach (var error in result.Errors)
    {
        Console.WriteLine($"  refused {orders[error.Index].Id}: {error.ErrorCode} {error.Message}");
    }

    foreach (var (order, messageKey) in orders.Zip(result.MessageKeys))
    {
        var status = await sfmc.Transactional.OrderConfirmation.WaitForStatusAsync(messageKey, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30));
        Console.WriteLine($"  {order.Id} -> {order.Email}: {status.State} (messageKey {messageKey})");
    }
}

if (emulator is not null)
{
    // What a recipient would see: each order confirmed once, however often the job ran.
    Console.WriteLine($"emails sent by the emulator: {emulator.SentMessages.Count} for {orders.Length} orders after {runs} runs");
}

internal sealed record Order(string Id, string CustomerKey, string Email, decimal Total, int Items);
