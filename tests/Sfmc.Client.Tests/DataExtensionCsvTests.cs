using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading.Tasks;
using CsvHelper;
using CsvHelper.Configuration;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Sfmc.Client.Tests.DataExtensions;
using Xunit;

namespace Sfmc.Client.Tests;

/// <summary>
/// The import file generated rows write: every row read back by an independent CSV reader (CsvHelper) gives the same
/// values; RFC 4180 quoting of delimiters, quotes, line breaks and non-ASCII; the exact header; validation first.
/// </summary>
public sealed class DataExtensionCsvTests
{
    [Property(MaxTest = 300)]
    public Property Every_row_round_trips_through_a_CSV_reader_with_the_same_values() =>
        Prop.ForAll(Gen.ListOf(Row()).Select(l => l.ToArray()).ToArbitrary(), Gen.Elements(',', ';', '\t', '|').ToArbitrary(), (rows, delimiter) =>
        {
            var csv = Write(rows, new DataExtensionCsvOptions { Delimiter = delimiter });
            var (header, records) = Read(csv, delimiter);
            var back = records.Select(Parse).ToArray();
            return (header.SequenceEqual(["order id", "line no", "sku", "unit price", "quantity", "shipped at", "gift wrap", "note"]) && back.SequenceEqual(rows))
                .Label($"delimiter '{delimiter}', {rows.Length} rows:\n{csv}");
        });

    [Fact]
    public void Delimiters_quotes_line_breaks_and_non_ASCII_are_quoted_as_RFC_4180_says()
    {
        var row = new OrderLinesRow { OrderId = "A,1", LineNo = 1, Sku = "say \"hi\"", UnitPrice = 1.5m, Note = "two\r\nlines, Grüße 😀" };
        var bytes = WriteBytes([row, new OrderLinesRow { OrderId = "plain", LineNo = -2, Sku = "x", UnitPrice = -0.05m, GiftWrap = false, ShippedAt = new DateTime(2026, 3, 1, 10, 15, 0, 123) }]);
        Assert.False(bytes.AsSpan().StartsWith(Encoding.UTF8.Preamble), "no byte-order mark: it would become part of the first header name");
        var text = Encoding.UTF8.GetString(bytes);
        var lines = text.Split("\r\n");
        Assert.Equal("order id,line no,sku,unit price,quantity,shipped at,gift wrap,note", lines[0]);
        Assert.Equal("\"A,1\",1,\"say \"\"hi\"\"\",1.5,,,,\"two", lines[1]);
        Assert.Equal("lines, Grüße 😀\"", lines[2]);
        Assert.Equal("plain,-2,x,-0.05,,2026-03-01T10:15:00.123,false,", lines[3]);

        // A long value full of quotes (quoted in a pooled buffer, not the stack) reads back the same.
        var quotes = string.Concat(Enumerable.Repeat("say \"x\", ", 200));
        Assert.Equal(quotes, Read(Write([row with { Note = quotes }]), ',').Records[0][7]);
    }

    [Fact]
    public void Header_names_that_need_quoting_are_quoted_and_kept_exact()
    {
        var text = Encoding.UTF8.GetString(WriteBytes([new EscapesRow { Kundennummer = "K-1", Größe = 42, Preis = 9.90m, RDTeamXY = "a" }], new DataExtensionCsvOptions { Delimiter = '&' }));
        Assert.StartsWith("Kundennummer&Größe&Preis (€)&\"R&D + <Team> 'x' `y`\"\r\nK-1&42&9.90&a", text);

        // Delimiters that numbers, dates or booleans contain are refused: only text is checked for quoting.
        foreach (var delimiter in new[] { '+', '-', '.', ':', '1', 'T', ' ', '"' })
        {
            Assert.Throws<ArgumentException>(() => WriteBytes([new EscapesRow { Kundennummer = "K-1" }], new DataExtensionCsvOptions { Delimiter = delimiter }));
        }
        Assert.Equal(["Kundennummer", "Größe", "Preis (€)", "R&D + <Team> 'x' `y`"], DataExtensionCsv.Header<EscapesRow>());
    }

    [Fact]
    public void Dates_are_written_in_SFMC_server_time_without_an_offset()
    {
        static string ShippedAt(DateTime value) =>
            Read(Write([new OrderLinesRow { OrderId = "A", LineNo = 1, Sku = "s", UnitPrice = 1, ShippedAt = value }]), ',').Records[0][5];

        Assert.Equal("2026-03-01T10:15:00", ShippedAt(new DateTime(2026, 3, 1, 10, 15, 0, DateTimeKind.Unspecified)));
        Assert.Equal("2026-03-01T04:15:00", ShippedAt(new DateTime(2026, 3, 1, 10, 15, 0, DateTimeKind.Utc)));

        // Tests run in America/Chicago: 10:15 CDT in July is 15:15 UTC, 09:15 in SFMC's fixed UTC−6.
        Assert.Equal("2026-07-01T09:15:00", ShippedAt(new DateTime(2026, 7, 1, 10, 15, 0, DateTimeKind.Local)));
    }

    [Fact]
    public void Formula_cells_are_neutralised_only_when_asked()
    {
        OrderLinesRow[] rows = [new() { OrderId = "=1+2", LineNo = 1, Sku = "@SUM(A1)", UnitPrice = 1, Note = "-3" }, new() { OrderId = "+x", LineNo = 2, Sku = "ok", UnitPrice = 1, Note = "\tTab" }];
        var plain = Read(Write(rows), ',').Records;
        Assert.Equal(["=1+2", "@SUM(A1)", "-3"], new[] { plain[0][0], plain[0][2], plain[0][7] });

        var safe = Read(Write(rows, new DataExtensionCsvOptions { NeutralizeFormulas = true }), ',').Records;
        Assert.Equal(["'=1+2", "'@SUM(A1)", "'-3", "'+x", "ok", "'\tTab"], new[] { safe[0][0], safe[0][2], safe[0][7], safe[1][0], safe[1][2], safe[1][7] });
        Assert.Equal("1", safe[0][3]); // numbers are never touched, negative ones included
    }

    [Fact]
    public async Task A_row_that_breaks_its_schema_stops_the_file_naming_the_field_and_the_row_key()
    {
        var rows = new[]
        {
            new OrderLinesRow { OrderId = "A-1", LineNo = 1, Sku = "ok", UnitPrice = 1 },
            new OrderLinesRow { OrderId = "A-2", LineNo = 7, Sku = new string('x', 51), UnitPrice = 1 },
        };
        using var stream = new MemoryStream();
        var error = await Assert.ThrowsAsync<DataExtensionValidationException>(() => DataExtensionCsv.WriteAsync(rows.ToAsyncEnumerable(), stream));
        Assert.Equal("sku", error.FieldName);
        Assert.Contains("A-2", error.Message);
        Assert.Contains("7", error.Message);
    }

    [Fact]
    public async Task No_rows_still_writes_the_header()
    {
        using var stream = new MemoryStream();
        Assert.Equal(0, await DataExtensionCsv.WriteAsync(AsyncEnumerable.Empty<OrderLinesRow>(), stream));
        Assert.Equal("order id,line no,sku,unit price,quantity,shipped at,gift wrap,note\r\n", Encoding.UTF8.GetString(stream.ToArray()));
    }

    [Fact]
    public async Task Large_files_stream_through_with_every_row()
    {
        var path = Path.Combine(Path.GetTempPath(), $"sfmc-csv-{Guid.NewGuid():N}.csv");
        try
        {
            var written = await DataExtensionCsv.WriteFileAsync(Rows(100_000), path);
            Assert.Equal(100_000, written);
            using var reader = new StreamReader(path);
            using var csv = new CsvReader(reader, new CsvConfiguration(CultureInfo.InvariantCulture));
            var count = 0;
            await csv.ReadAsync();
            csv.ReadHeader();
            while (await csv.ReadAsync())
            {
                Assert.Equal($"O-{count}", csv.GetField(0));
                count++;
            }

            Assert.Equal(100_000, count);
        }
        finally
        {
            File.Delete(path);
        }

        static async IAsyncEnumerable<OrderLinesRow> Rows(int count)
        {
            for (var i = 0; i < count; i++)
            {
                yield return new OrderLinesRow { OrderId = $"O-{i}", LineNo = i, Sku = "SKU, \"big\"", UnitPrice = i / 100m, Note = i % 2 == 0 ? null : "line\nbreak" };
                await Task.CompletedTask;
            }
        }
    }

    private static string Write(IEnumerable<OrderLinesRow> rows, DataExtensionCsvOptions? options = null) => Encoding.UTF8.GetString(WriteBytes(rows, options));

    private static byte[] WriteBytes<TRow>(IEnumerable<TRow> rows, DataExtensionCsvOptions? options = null) where TRow : IDataExtensionRow<TRow>
    {
        using var stream = new MemoryStream();
        DataExtensionCsv.WriteAsync(rows.ToAsyncEnumerable(), stream, options).GetAwaiter().GetResult();
        return stream.ToArray();
    }

    private static (string[] Header, List<string[]> Records) Read(string csv, char delimiter)
    {
        using var reader = new StringReader(csv);
        using var parser = new CsvParser(reader, new CsvConfiguration(CultureInfo.InvariantCulture) { Delimiter = delimiter.ToString(), BadDataFound = c => throw new InvalidDataException(c.RawRecord) });
        var records = new List<string[]>();
        while (parser.Read())
        {
            records.Add(parser.Record!);
        }

        return (records[0], records.Skip(1).ToList());
    }

    private static OrderLinesRow Parse(string[] cells) => new()
    {
        OrderId = cells[0],
        LineNo = int.Parse(cells[1], CultureInfo.InvariantCulture),
        Sku = cells[2],
        UnitPrice = decimal.Parse(cells[3], CultureInfo.InvariantCulture),
        Quantity = cells[4] is "" ? null : int.Parse(cells[4], CultureInfo.InvariantCulture),
        ShippedAt = cells[5] is "" ? null : DateTime.ParseExact(cells[5], ["yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd'T'HH:mm:ss.FFF"], CultureInfo.InvariantCulture, DateTimeStyles.None),
        GiftWrap = cells[6] is "" ? null : bool.Parse(cells[6]),
        Note = cells[7] is "" ? null : cells[7],
    };

    /// <summary>Texts with every character CSV cares about (delimiters, quotes, CR, LF, tabs) and non-ASCII, surrogate pairs included.</summary>
    private static Gen<string> Text(int min, int max)
    {
        var plain = Gen.Choose('a', 'z').Select(c => ((char)c).ToString());
        var special = Gen.Elements(",", ";", "|", "\t", "\"", "\r", "\n", "\r\n", " ", "'", "=", "é", "ß", "€", "中", "😀", "𝄞", "\u00A0");
        var piece = Gen.Frequency((6, plain), (3, special));
        return Gen.Choose(min, max / 2).SelectMany(n => Gen.ArrayOf(piece, n)).Select(string.Concat); // pieces are 1–2 chars: within [min, max]
    }

    private static Gen<OrderLinesRow> Row() =>
        from id in Text(1, 36)
        from lineNo in Gen.Choose(int.MinValue, int.MaxValue)
        from sku in Text(1, 50)
        from cents in Gen.Choose(int.MinValue, int.MaxValue)
        from quantity in Gen.OneOf(Gen.Constant<int?>(null), Gen.Choose(-1000, 1000).Select(q => (int?)q))
        from shipped in Gen.OneOf(Gen.Constant<DateTime?>(null), Gen.Choose(0, int.MaxValue).Select(s => (DateTime?)new DateTime(1753, 1, 1).AddSeconds(s * 3.0).AddMilliseconds(s % 1000)))
        from wrap in Gen.Elements<bool?>(null, true, false)
        from note in Gen.OneOf(Gen.Constant<string?>(null), Text(1, 200).Select(s => (string?)s))
        select new OrderLinesRow { OrderId = id, LineNo = lineNo, Sku = sku, UnitPrice = cents / 100m, Quantity = quantity, ShippedAt = shipped, GiftWrap = wrap, Note = note };
}
