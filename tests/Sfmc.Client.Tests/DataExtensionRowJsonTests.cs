using System;
using System.Buffers;
using System.Globalization;
using System.Linq;
using System.Text;
using System.Text.Json;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Xunit;

namespace Sfmc.Client.Tests;

/// <summary>
/// The hand-written row JSON that generated writers use, checked byte for byte against <see cref="Utf8JsonWriter"/>
/// (strings, decimals, ints) and against .NET's own date formatting, on random values. A 16-byte start buffer makes
/// almost every value take the rent-and-grow path too.
/// </summary>
public sealed class DataExtensionRowJsonTests
{
    [Property(MaxTest = 2000)]
    public Property Strings_are_escaped_exactly_as_Utf8JsonWriter_escapes_them() =>
        Prop.ForAll(Text().ToArbitrary(), value =>
        {
            var expected = Reference(w => w.WriteStringValue(value));
            var actual = Ours(value, static (ref DataExtensionRowJson json, string v) => json.String(v));
            return (expected == actual).Label($"{Show(value)}: expected {expected}, was {actual}");
        });

    [Property(MaxTest = 3000)]
    public Property Decimals_are_written_exactly_as_Utf8JsonWriter_writes_them() =>
        Prop.ForAll(Decimal().ToArbitrary(), value =>
        {
            var expected = Reference(w => w.WriteNumberValue(value));
            var actual = Ours(value, static (ref DataExtensionRowJson json, decimal v) => json.Number(v));
            return (expected == actual).Label($"{value.ToString(CultureInfo.InvariantCulture)} (scale {value.Scale}): expected {expected}, was {actual}");
        });

    [Property(MaxTest = 500)]
    public Property Ints_are_written_exactly_as_Utf8JsonWriter_writes_them(int value) =>
        (Reference(w => w.WriteNumberValue(value)) == Ours(value, static (ref DataExtensionRowJson json, int v) => json.Number(v))).ToProperty();

    [Property(MaxTest = 1000)]
    public Property Dates_match_the_invariant_round_trip_format_without_trailing_zeros() =>
        Prop.ForAll(Date().ToArbitrary(), value =>
        {
            var utc = value.Kind == DateTimeKind.Local ? value.ToUniversalTime() : value;
            var expected = "\"" + utc.ToString("yyyy-MM-dd'T'HH:mm:ss.FFF", CultureInfo.InvariantCulture) + (value.Kind == DateTimeKind.Unspecified ? "" : "Z") + "\"";
            var actual = Ours(value, static (ref DataExtensionRowJson json, DateTime v) => json.Date(v));
            return (expected == actual).Label($"{value:O} ({value.Kind}): expected {expected}, was {actual}");
        });

    [Fact]
    public void Objects_get_commas_between_members_only_and_outgrow_their_first_buffer()
    {
        var note = string.Concat(Enumerable.Repeat("Grüße \"aus\" Köln\n", 300));
        var json = Ours(note, static (ref DataExtensionRowJson json, string v) =>
        {
            json.StartObject();
            json.StartObject("\"keys\":"u8);
            json.Name("\"id\":"u8);
            json.Number(7);
            json.EndObject();
            json.StartObject("\"values\":"u8);
            json.Name("\"note\":"u8);
            json.String(v);
            json.Name("\"ok\":"u8);
            json.Boolean(true);
            json.Name("\"price\":"u8);
            json.Number(-0.05m);
            json.EndObject();
            json.EndObject();
        });

        using var document = JsonDocument.Parse(json);
        Assert.Equal(7, document.RootElement.GetProperty("keys").GetProperty("id").GetInt32());
        var values = document.RootElement.GetProperty("values");
        Assert.Equal(note, values.GetProperty("note").GetString());
        Assert.True(values.GetProperty("ok").GetBoolean());
        Assert.Equal("-0.05", values.GetProperty("price").GetRawText());
    }

    [Fact]
    public void Generated_writers_escape_field_names_at_compile_time_as_Utf8JsonWriter_does_at_run_time()
    {
        var row = new DataExtensions.EscapesRow { Kundennummer = "K-1", Größe = 42, Preis = 9.90m, RDTeamXY = "<b>&" };
        var expected = Reference(w =>
        {
            w.WriteStartObject();
            w.WriteString("Kundennummer", "K-1");
            w.WriteNumber("Größe", 42);
            w.WriteNumber("Preis (€)", 9.90m);
            w.WriteString("R&D + <Team> 'x' `y`", "<b>&");
            w.WriteEndObject();
        });

        Assert.Equal(expected, Reference(w => IDataExtensionRowWriter.WriteObject(w, row)));
        using var rowset = JsonDocument.Parse(DataExtensionJson.SerializeRowset(new[] { row }));
        Assert.Equal("K-1", rowset.RootElement[0].GetProperty("keys").GetProperty("Kundennummer").GetString());
        Assert.Equal(9.90m, rowset.RootElement[0].GetProperty("values").GetProperty("Preis (€)").GetDecimal());
        Assert.Equal("<b>&", rowset.RootElement[0].GetProperty("values").GetProperty("R&D + <Team> 'x' `y`").GetString());
    }

    private static class IDataExtensionRowWriter
    {
        public static void WriteObject<TRow>(Utf8JsonWriter writer, TRow row)
            where TRow : IDataExtensionRow<TRow> => TRow.WriteObject(writer, row);
    }

    private delegate void Write<T>(ref DataExtensionRowJson json, T value);

    private static string Ours<T>(T value, Write<T> write)
    {
        var json = new DataExtensionRowJson(stackalloc byte[16]);
        try
        {
            write(ref json, value);
            return Encoding.UTF8.GetString(json.Written);
        }
        finally
        {
            json.Dispose();
        }
    }

    private static string Reference(Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            write(writer);
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static string Show(string value) => string.Concat(value.Select(c => c is >= ' ' and <= '~' ? c.ToString() : $"\\u{(int)c:X4}"));

    /// <summary>Mostly plain ASCII (the fast path), plus every character class the escaper distinguishes, surrogate pairs and lone surrogates included.</summary>
    private static Gen<string> Text()
    {
        var plain = Gen.Choose(' ', '~').Select(c => ((char)c).ToString());
        var special = Gen.Elements("\"", "\\", "<", ">", "&", "'", "+", "`", "\n", "\r", "\t", "\b", "\f", "\u0000", "\u001F", "\u007F", "é", "ß", "€", "\u2028", "\uFEFF", "😀", "𝄞");
        var any = Gen.Choose(0, 0xFFFF).Select(c => ((char)c).ToString()); // lone surrogates too: both write U+FFFD
        var piece = Gen.Frequency((8, plain), (2, special), (1, any));
        return Gen.Choose(0, 60).SelectMany(n => Gen.ArrayOf(piece, n)).Select(string.Concat);
    }

    /// <summary>Every decimal shape: 96-bit mantissas of any size (mostly small), either sign, scales 0–28, zeros included.</summary>
    private static Gen<decimal> Decimal() =>
        from lo in Gen.Choose(int.MinValue, int.MaxValue)
        from mid in Gen.Frequency((3, Gen.Constant(0)), (1, Gen.Choose(int.MinValue, int.MaxValue)))
        from hi in Gen.Frequency((6, Gen.Constant(0)), (1, Gen.Choose(int.MinValue, int.MaxValue)))
        from small in Gen.Frequency((2, Gen.Constant(false)), (1, Gen.Constant(true)))
        from negative in Gen.Elements(true, false)
        from scale in Gen.Choose(0, 28)
        select new decimal(small ? lo % 1000 : lo, mid, hi, negative, (byte)scale);

    private static Gen<DateTime> Date() =>
        from ticks in Gen.Choose(0, int.MaxValue).Select(t => DateTime.MinValue.Ticks + (long)(t * 1_470_000_000L % (DateTime.MaxValue.Ticks - DateTime.MinValue.Ticks - TimeSpan.TicksPerDay)))
        from millisecondsOnly in Gen.Elements(true, false)
        from kind in Gen.Elements(DateTimeKind.Utc, DateTimeKind.Unspecified, DateTimeKind.Local)
        select new DateTime(millisecondsOnly ? ticks - (ticks % TimeSpan.TicksPerMillisecond) : ticks - (ticks % TimeSpan.TicksPerSecond), kind);
}
