using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Text.Json;
using Sfmc.Client.Tests.DataExtensions;
using Xunit;

namespace Sfmc.Client.Tests;

/// <summary>Generated rows at run time: JSON for SFMC, validation before sending, reading SFMC's answers.</summary>
public sealed class DataExtensionRowTests
{
    private static OrderLinesRow Line(string orderId = "A-1", int lineNo = 1) => new()
    {
        OrderId = orderId,
        LineNo = lineNo,
        Sku = "SKU-9",
        UnitPrice = 9.99m,
    };

    [Fact]
    public void Constants_carry_the_exact_SFMC_names()
    {
        Assert.Equal("order_lines", OrderLinesRow.CustomerKey);
        Assert.Equal("unit price", OrderLinesRow.Fields.UnitPrice);
        Assert.Equal(36, OrderLinesRow.MaxLengths.OrderId);
        Assert.Equal("testExisting_dataExtension", TestExistingDataExtensionRow.CustomerKey);
        Assert.Equal("Customers", CustomersRow.Schema.CustomerKey);
        Assert.True(CustomersRow.Schema.IsSendable);
        Assert.Equal("SubscriberKey", CustomersRow.Schema.SendableDataExtensionField);
        Assert.Equal(new[] { "order id", "line no" }, OrderLinesRow.Schema.PrimaryKey.Select(f => f.Name));
        Assert.Same(OrderLinesRow.Schema.Fields[3], OrderLinesRow.Schema.FindField("UNIT PRICE"));
    }

    [Fact]
    public void Rowset_payload_puts_keys_and_values_apart_and_omits_nulls()
    {
        var json = DataExtensionJson.SerializeRowset(new[] { Line() with { Quantity = 3, GiftWrap = true, Note = "ring \"twice\"" } });
        Assert.Equal(
            """[{"keys":{"order id":"A-1","line no":1},"values":{"sku":"SKU-9","unit price":9.99,"quantity":3,"gift wrap":true,"note":"ring \u0022twice\u0022"}}]""",
            json);
    }

    [Fact]
    public void Dates_keep_their_meaning()
    {
        static string ShippedAt(DateTime value) =>
            JsonDocument.Parse(DataExtensionJson.SerializeRowset(new[] { Line() with { ShippedAt = value } }))
                .RootElement[0].GetProperty("values").GetProperty("shipped at").GetString()!;

        Assert.Equal("2026-03-01T10:15:00Z", ShippedAt(new DateTime(2026, 3, 1, 10, 15, 0, DateTimeKind.Utc)));
        Assert.Equal("2026-03-01T10:15:00.123", ShippedAt(new DateTime(2026, 3, 1, 10, 15, 0, 123, DateTimeKind.Unspecified)));
        var local = new DateTime(2026, 3, 1, 10, 15, 0, DateTimeKind.Local);
        Assert.Equal(local.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture) + "Z", ShippedAt(local));

        // The project's tests run in America/Chicago (test.runsettings), so Local is not UTC and the conversion shows:
        // 10:15 CST in March (before daylight saving) is 16:15 UTC, 10:15 CDT in July is 15:15 UTC.
        Assert.Equal("America/Chicago", TimeZoneInfo.Local.Id);
        Assert.Equal("2026-03-01T16:15:00Z", ShippedAt(local));
        Assert.Equal("2026-07-01T15:15:00Z", ShippedAt(new DateTime(2026, 7, 1, 10, 15, 0, DateTimeKind.Local)));
    }

    [Fact]
    public void Too_long_text_is_rejected_before_sending_naming_DE_field_and_row_but_not_the_value()
    {
        var secret = new string('x', 51);
        var ex = Assert.Throws<DataExtensionValidationException>(() => DataExtensionJson.SerializeRowset(new[] { Line() with { Sku = secret } }));
        Assert.Equal("order_lines", ex.DataExtensionKey);
        Assert.Equal("sku", ex.FieldName);
        Assert.Equal("order id='A-1', line no=1", ex.PrimaryKey.ToString());
        Assert.Contains("51 characters; MaxLength is 50", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(secret, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_required_value_is_rejected()
    {
        var ex = Assert.Throws<DataExtensionValidationException>(() => DataExtensionJson.Validate(Line() with { Sku = null! }));
        Assert.Equal("sku", ex.FieldName);
        Assert.Contains("a value is required", ex.Message, StringComparison.Ordinal);

        var missingKey = Assert.Throws<DataExtensionValidationException>(() => DataExtensionJson.Validate(Line() with { OrderId = null! }));
        Assert.Equal("order id", missingKey.FieldName);
    }

    [Fact]
    public void Decimal_beyond_its_precision_and_dates_before_1753_are_rejected()
    {
        // unit price is Decimal(18,2): 16 digits before the point.
        DataExtensionJson.Validate(Line() with { UnitPrice = 9_999_999_999_999_999.99m });
        var ex = Assert.Throws<DataExtensionValidationException>(() => DataExtensionJson.Validate(Line() with { UnitPrice = 99_999_999_999_999_999m }));
        Assert.Contains("17 digits before the decimal point; Decimal(18,2) allows 16", ex.Message, StringComparison.Ordinal);

        // Lifetime Value is Decimal(12,2); negative values count their digits the same way.
        var customer = new CustomersRow { SubscriberKey = "c", Email = "a@b.c", VIP = false, LifetimeValue = -10_000_000_000m };
        Assert.Throws<DataExtensionValidationException>(() => DataExtensionJson.Validate(customer));
        DataExtensionJson.Validate(customer with { LifetimeValue = -9_999_999_999.99m });

        var date = Assert.Throws<DataExtensionValidationException>(() => DataExtensionJson.Validate(Line() with { ShippedAt = default(DateTime) }));
        Assert.Contains("1753-01-01", date.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Reads_SFMC_rowset_items_with_lower_cased_names_and_string_values_and_empty_as_null()
    {
        const string json = """
            {
              "count": 2, "page": 1,
              "items": [
                { "keys": { "order id": "A-1", "line no": "1" },
                  "values": { "sku": "SKU-9", "unit price": "9.99", "quantity": "2", "shipped at": "1/26/2023 1:54:59 PM", "gift wrap": "True", "note": "" } },
                { "keys": { "ORDER ID": "A-2", "LINE NO": 7 },
                  "values": { "SKU": "S", "UNIT PRICE": 1.5, "shipped at": "2026-03-01T10:15:00Z", "gift wrap": false, "extra": { "nested": [1, 2] } } }
              ]
            }
            """;
        var rows = DataExtensionJson.ReadRows<OrderLinesRow>(Encoding.UTF8.GetBytes(json));

        Assert.Equal(2, rows.Count);
        Assert.Equal(Line() with { Quantity = 2, ShippedAt = new DateTime(2023, 1, 26, 13, 54, 59), GiftWrap = true, Note = null }, rows[0]);
        Assert.Equal(DateTimeKind.Unspecified, rows[0].ShippedAt!.Value.Kind);
        Assert.Equal("A-2", rows[1].OrderId);
        Assert.Equal(7, rows[1].LineNo);
        Assert.Equal(1.5m, rows[1].UnitPrice);
        Assert.Equal(new DateTime(2026, 3, 1, 10, 15, 0, DateTimeKind.Utc), rows[1].ShippedAt);
        Assert.Equal(DateTimeKind.Utc, rows[1].ShippedAt!.Value.Kind);
        Assert.False(rows[1].GiftWrap);
        Assert.Null(rows[1].Quantity);
    }

    [Fact]
    public void Flat_rows_round_trip()
    {
        var original = new[]
        {
            Line() with { Quantity = 5, ShippedAt = new DateTime(2026, 1, 2, 3, 4, 5, DateTimeKind.Utc), GiftWrap = false, Note = "é ✓" },
            Line("B-2", 2),
        };
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartArray();
            foreach (var row in original)
            {
                WriteObject(writer, row);
            }

            writer.WriteEndArray();
        }

        Assert.Equal(original, DataExtensionJson.ReadRows<OrderLinesRow>(buffer.WrittenSpan));
    }

    [Fact]
    public void Reading_reports_missing_required_fields_and_bad_values_by_name()
    {
        var missing = Assert.Throws<JsonException>(() => DataExtensionJson.ReadRows<OrderLinesRow>("""{ "order id": "A", "line no": 1, "unit price": 1 }"""u8));
        Assert.Contains("required field 'sku'", missing.Message, StringComparison.Ordinal);

        var bad = Assert.Throws<JsonException>(() => DataExtensionJson.ReadRows<OrderLinesRow>("""{ "order id": "A", "line no": "one", "sku": "s", "unit price": 1 }"""u8));
        Assert.Contains("Field 'line no' of data extension 'order_lines' expects a Number value", bad.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Primary_keys_compare_by_value()
    {
        Assert.Equal(GetKey(Line("A", 1)), GetKey(Line("A", 1) with { Sku = "other" }));
        Assert.NotEqual(GetKey(Line("A", 1)), GetKey(Line("A", 2)));
        Assert.Equal(GetKey(Line("A", 1)).GetHashCode(), GetKey(Line("A", 1)).GetHashCode());
        Assert.True(GetKey(new TestNewDataExtensionRow { TestField = "x" }).IsEmpty);
        Assert.Equal("ContactKey='c'", GetKey(new TestExistingDataExtensionRow { ContactKey = "c", EmailAddress = "a@b.c" }).ToString());
    }

    [Fact]
    public void Row_type_reflects_the_schema()
    {
        // Required (no default) → required member, non-nullable; with a default → nullable (null lets SFMC apply it).
        Assert.Equal(typeof(decimal), typeof(OrderLinesRow).GetProperty(nameof(OrderLinesRow.UnitPrice))!.PropertyType);
        Assert.Equal(typeof(int?), typeof(OrderLinesRow).GetProperty(nameof(OrderLinesRow.Quantity))!.PropertyType);
        Assert.Equal(typeof(bool?), typeof(CustomersRow).GetProperty(nameof(CustomersRow._2faEnabled))!.PropertyType);
        var email = CustomersRow.Schema.Fields.Single(f => f.PropertyName == nameof(CustomersRow.Email));
        Assert.Equal(DataExtensionFieldType.EmailAddress, email.FieldType);
        Assert.Equal(254, email.MaxLength);
    }

    private static void WriteObject<TRow>(Utf8JsonWriter writer, TRow row)
        where TRow : IDataExtensionRow<TRow> => TRow.WriteObject(writer, row);

    private static DataExtensionPrimaryKey GetKey<TRow>(TRow row)
        where TRow : IDataExtensionRow<TRow> => TRow.GetPrimaryKey(row);
}

/// <summary>Compiles only because the key is declared (the analyzer would fail the build otherwise).</summary>
[DataExtensionKey("order_lines")]
internal static class BoundToOrderLines;
