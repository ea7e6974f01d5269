// Quickstart: three DE files in DataExtensions/ become typed rows at compile time.
// Misspell a field in a .de.json file, or leave out a primary key below, and the build fails with the place to fix.
//
// This sample builds rows and prints the exact JSON the runtime sends to SFMC. Sending them to the embedded
// emulator arrives with the runtime (auth, batching, retries).
using System;
using System.Text;
using Quickstart.DataExtensions;
using Sfmc.Client;

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
};

Console.WriteLine($"POST /hub/v1/dataevents/key:{CustomersRow.CustomerKey}/rowset");
Console.WriteLine(DataExtensionJson.SerializeRowset(customers, indented: true));
Console.WriteLine($"POST /hub/v1/dataevents/key:{OrdersRow.CustomerKey}/rowset");
Console.WriteLine(DataExtensionJson.SerializeRowset(new[] { order }, indented: true));
Console.WriteLine($"POST /hub/v1/dataevents/key:{OrderLinesRow.CustomerKey}/rowset");
Console.WriteLine(DataExtensionJson.SerializeRowset(lines, indented: true));

// Values are checked against the schema before anything is sent.
try
{
    DataExtensionJson.SerializeRowset(new[] { lines[0] with { Sku = new string('X', 60) } });
}
catch (DataExtensionValidationException ex)
{
    Console.WriteLine("Rejected before sending: " + ex.Message);
}

// Reading SFMC's answer (lower-cased names, string values) gives typed rows back.
var answer = """{"items":[{"keys":{"subscriber key":"cust-002"},"values":{"email address":"alan@example.com","opted in":"False"}}]}""";
var read = DataExtensionJson.ReadRows<CustomersRow>(Encoding.UTF8.GetBytes(answer));
Console.WriteLine($"Read back: {read[0]}");
