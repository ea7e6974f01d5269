using System;
using System.Buffers;
using System.Collections.Generic;
using System.ComponentModel;
using System.Globalization;
using System.Text.Json;

namespace Sfmc.Client;

/// <summary>
/// JSON for generated Data Extension rows: whole-payload helpers for callers, and the value readers, writers and
/// checks that generated code calls (hidden from IntelliSense). No reflection.
/// </summary>
public static class DataExtensionJson
{
    /// <summary>Serializes rows as a REST rowset payload <c>[{"keys":{…},"values":{…}},…]</c>, validating each row.</summary>
    public static string SerializeRowset<TRow>(IEnumerable<TRow> rows, bool indented = false)
        where TRow : IDataExtensionRow<TRow>
    {
        ArgumentNullException.ThrowIfNull(rows);
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = indented }))
        {
            writer.WriteStartArray();
            foreach (var row in rows)
            {
                TRow.WriteRowsetItem(writer, row);
            }

            writer.WriteEndArray();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>
    /// Reads rows from UTF-8 JSON: an array of rows, a single row, or an object with an <c>items</c> array
    /// (SFMC's paged responses). Each row may be flat or <c>{"keys":{…},"values":{…}}</c>.
    /// </summary>
    public static List<TRow> ReadRows<TRow>(ReadOnlySpan<byte> utf8Json)
        where TRow : IReadOnlyDataExtensionRow<TRow>
    {
        var reader = new Utf8JsonReader(utf8Json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip });
        var rows = new List<TRow>();
        Expect(ref reader, reader.Read(), "a row, an array of rows or an object with 'items'");
        if (reader.TokenType == JsonTokenType.StartArray)
        {
            ReadArray(ref reader, rows);
            return rows;
        }

        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw new JsonException($"Expected a JSON object or array, found {reader.TokenType}.");
        }

        // An envelope with "items" (paged responses), or a single row.
        var probe = reader;
        while (probe.Read() && probe.TokenType == JsonTokenType.PropertyName)
        {
            if (probe.ValueTextEquals("items"u8))
            {
                probe.Read();
                if (probe.TokenType == JsonTokenType.StartArray)
                {
                    ReadArray(ref probe, rows);
                    return rows;
                }
            }

            probe.Read();
            probe.TrySkip();
        }

        rows.Add(TRow.Read(ref reader));
        return rows;
    }

    private static void ReadArray<TRow>(ref Utf8JsonReader reader, List<TRow> rows)
        where TRow : IReadOnlyDataExtensionRow<TRow>
    {
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            rows.Add(TRow.Read(ref reader));
        }
    }

    private static void Expect(ref Utf8JsonReader reader, bool read, string what)
    {
        if (!read)
        {
            throw new JsonException($"Unexpected end of JSON: expected {what} at byte {reader.BytesConsumed}.");
        }
    }

    // ---- Reading ----

    /// <summary>
    /// Reads one row (<see cref="IReadOnlyDataExtensionRow{TSelf}.Read"/>): each field's value is parsed by its schema
    /// type into a slot, then the generated <c>Create</c> builds the row from the slots.
    /// </summary>
    internal static TRow ReadRow<TRow>(ref Utf8JsonReader reader)
        where TRow : IReadOnlyDataExtensionRow<TRow>
    {
        var schema = TRow.Schema;
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw new JsonException("A row of data extension '" + schema.CustomerKey + "' must be a JSON object, not " + reader.TokenType + ".");
        }

        var count = schema.Fields.Count;
        ValueSlot[]? rentedSlots = null;
        var slots = count <= 64 ? stackalloc ValueSlot[count] : (rentedSlots = ArrayPool<ValueSlot>.Shared.Rent(count)).AsSpan(0, count);
        slots.Clear();
        var texts = ArrayPool<string?>.Shared.Rent(count);
        Array.Clear(texts, 0, count);
        try
        {
            var depth = 0;
            int field;
            while ((field = ReadNextField(ref reader, schema, ref depth)) >= 0)
            {
                ref var slot = ref slots[field];
                switch (schema.Fields[field].FieldType)
                {
                    case DataExtensionFieldType.Number:
                        var number = ReadInt32(ref reader, schema, field);
                        slot.Present = number.HasValue;
                        slot.Int = number.GetValueOrDefault();
                        break;
                    case DataExtensionFieldType.Decimal:
                        var @decimal = ReadDecimal(ref reader, schema, field);
                        slot.Present = @decimal.HasValue;
                        slot.Decimal = @decimal.GetValueOrDefault();
                        break;
                    case DataExtensionFieldType.Date:
                        var date = ReadDateTime(ref reader, schema, field);
                        slot.Present = date.HasValue;
                        slot.Date = date.GetValueOrDefault();
                        break;
                    case DataExtensionFieldType.Boolean:
                        var boolean = ReadBoolean(ref reader, schema, field);
                        slot.Present = boolean.HasValue;
                        slot.Boolean = boolean.GetValueOrDefault();
                        break;
                    default:
                        texts[field] = ReadString(ref reader, schema, field);
                        break;
                }
            }

            var values = new DataExtensionRowValues(schema, slots, texts);
            return TRow.Create(ref values);
        }
        finally
        {
            ArrayPool<string?>.Shared.Return(texts, clearArray: true);
            if (rentedSlots is not null)
            {
                ArrayPool<ValueSlot>.Shared.Return(rentedSlots);
            }
        }
    }

    /// <summary>
    /// Moves to the next field of the row and returns its index in <paramref name="schema"/>, or -1 at the end
    /// of the row. Unknown fields are skipped; <c>keys</c>/<c>values</c> sub-objects are entered.
    /// </summary>
    internal static int ReadNextField(ref Utf8JsonReader reader, DataExtensionInfo schema, ref int depth)
    {
        while (true)
        {
            Expect(ref reader, reader.Read(), "a field or the end of the row");
            if (reader.TokenType == JsonTokenType.EndObject)
            {
                if (depth == 0)
                {
                    return -1;
                }

                depth--;
                continue;
            }

            if (reader.TokenType != JsonTokenType.PropertyName)
            {
                throw new JsonException($"Expected a field name in a row of '{schema.CustomerKey}', found {reader.TokenType}.");
            }

            var name = reader.GetString()!;
            Expect(ref reader, reader.Read(), "a value");
            if (reader.TokenType == JsonTokenType.StartObject && depth == 0 && (name is "keys" or "values"))
            {
                depth++;
                continue;
            }

            if (schema.FieldIndex.TryGetValue(name, out var index))
            {
                return index;
            }

            reader.Skip();
        }
    }

    /// <summary>Reads a Text-like value (strings, numbers and booleans are accepted as text).</summary>
    internal static string? ReadString(ref Utf8JsonReader reader, DataExtensionInfo schema, int field) => reader.TokenType switch
    {
        JsonTokenType.Null => null,
        JsonTokenType.String => reader.GetString(),
        JsonTokenType.Number => System.Text.Encoding.UTF8.GetString(reader.HasValueSequence ? reader.ValueSequence.ToArray() : reader.ValueSpan),
        JsonTokenType.True => "true",
        JsonTokenType.False => "false",
        _ => throw Invalid(schema, field, reader.TokenType.ToString()),
    };

    /// <summary>Reads a Number value (JSON number or numeric string; empty string is null).</summary>
    internal static int? ReadInt32(ref Utf8JsonReader reader, DataExtensionInfo schema, int field)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.Null:
                return null;
            case JsonTokenType.Number when reader.TryGetInt32(out var number):
                return number;
            case JsonTokenType.String:
                var text = reader.GetString();
                if (string.IsNullOrWhiteSpace(text))
                {
                    return null;
                }

                if (int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed))
                {
                    return parsed;
                }

                throw Invalid(schema, field, "'" + text + "'");
            default:
                throw Invalid(schema, field, reader.TokenType.ToString());
        }
    }

    /// <summary>Reads a Decimal value (JSON number or numeric string; empty string is null).</summary>
    internal static decimal? ReadDecimal(ref Utf8JsonReader reader, DataExtensionInfo schema, int field)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.Null:
                return null;
            case JsonTokenType.Number when reader.TryGetDecimal(out var number):
                return number;
            case JsonTokenType.String:
                var text = reader.GetString();
                if (string.IsNullOrWhiteSpace(text))
                {
                    return null;
                }

                if (decimal.TryParse(text, NumberStyles.Number | NumberStyles.AllowExponent, CultureInfo.InvariantCulture, out var parsed))
                {
                    return parsed;
                }

                throw Invalid(schema, field, "'" + text + "'");
            default:
                throw Invalid(schema, field, reader.TokenType.ToString());
        }
    }

    /// <summary>Reads a Boolean value: JSON true/false, or the strings True/False, 1/0, Y/N, Yes/No (any case).</summary>
    internal static bool? ReadBoolean(ref Utf8JsonReader reader, DataExtensionInfo schema, int field)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.Null:
                return null;
            case JsonTokenType.True:
                return true;
            case JsonTokenType.False:
                return false;
            case JsonTokenType.Number when reader.TryGetInt32(out var number) && number is 0 or 1:
                return number == 1;
            case JsonTokenType.String:
                var text = reader.GetString()?.Trim();
                if (string.IsNullOrEmpty(text))
                {
                    return null;
                }

                if (text.Equals("true", StringComparison.OrdinalIgnoreCase) || text == "1"
                    || text.Equals("y", StringComparison.OrdinalIgnoreCase) || text.Equals("yes", StringComparison.OrdinalIgnoreCase))
                {
                    return true;
                }

                if (text.Equals("false", StringComparison.OrdinalIgnoreCase) || text == "0"
                    || text.Equals("n", StringComparison.OrdinalIgnoreCase) || text.Equals("no", StringComparison.OrdinalIgnoreCase))
                {
                    return false;
                }

                throw Invalid(schema, field, "'" + text + "'");
            default:
                throw Invalid(schema, field, reader.TokenType.ToString());
        }
    }

    /// <summary>
    /// Reads a Date value. A value with an offset (<c>Z</c>, <c>+01:00</c>) becomes a UTC <see cref="DateTime"/>
    /// (<see cref="DateTimeKind.Utc"/>); a value without one (SFMC's usual answer, in its server time) stays
    /// <see cref="DateTimeKind.Unspecified"/>. ISO 8601 and SFMC's US format (<c>1/26/2023 1:54:59 PM</c>) are accepted.
    /// </summary>
    internal static DateTime? ReadDateTime(ref Utf8JsonReader reader, DataExtensionInfo schema, int field)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.Null:
                return null;
            case JsonTokenType.String:
                var text = reader.GetString();
                if (string.IsNullOrWhiteSpace(text))
                {
                    return null;
                }

                if (DateTime.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AllowWhiteSpaces | DateTimeStyles.AdjustToUniversal, out var parsed))
                {
                    return parsed;
                }

                throw Invalid(schema, field, "'" + text + "'");
            default:
                throw Invalid(schema, field, reader.TokenType.ToString());
        }
    }

    /// <summary>The exception for a required field that a row's JSON lacks.</summary>
    internal static JsonException Missing(DataExtensionInfo schema, int field) =>
        new($"A row of data extension '{schema.CustomerKey}' has no value for required field '{schema.Fields[field].Name}'.");

    private static JsonException Invalid(DataExtensionInfo schema, int field, string found)
    {
        var info = schema.Fields[field];
        return new JsonException($"Field '{info.Name}' of data extension '{schema.CustomerKey}' expects a {info.FieldType} value, found {found}.");
    }

    // ---- Writing (called by generated code) ----

    /// <summary>
    /// Formats a Date value as <c>yyyy-MM-ddTHH:mm:ss[.fff][Z]</c> into <paramref name="buffer"/> (24 bytes suffice) and
    /// returns the length. <see cref="DateTimeKind.Utc"/> is written with <c>Z</c> and <see cref="DateTimeKind.Local"/>
    /// is converted to UTC first, so SFMC converts both to its server time; <see cref="DateTimeKind.Unspecified"/>
    /// is written without offset, which SFMC takes as its server time (CST, UTC−6, no daylight saving).
    /// </summary>
    internal static int FormatDate(DateTime value, Span<byte> buffer)
    {
        if (value.Kind == DateTimeKind.Local)
        {
            value = value.ToUniversalTime();
        }

        // Written by hand: a custom format string costs more than the rest of a row. One date decomposition, not three.
        value.Deconstruct(out var year, out var month, out var day);
        var time = value.Ticks % TimeSpan.TicksPerDay;
        var seconds = (int)(time / TimeSpan.TicksPerSecond);
        Digits(buffer, 0, year, 4);
        buffer[4] = (byte)'-';
        Digits(buffer, 5, month, 2);
        buffer[7] = (byte)'-';
        Digits(buffer, 8, day, 2);
        buffer[10] = (byte)'T';
        Digits(buffer, 11, seconds / 3600, 2);
        buffer[13] = (byte)':';
        Digits(buffer, 14, seconds / 60 % 60, 2);
        buffer[16] = (byte)':';
        Digits(buffer, 17, seconds % 60, 2);
        var written = 19;
        var milliseconds = (int)(time / TimeSpan.TicksPerMillisecond % 1000);
        if (milliseconds != 0)
        {
            buffer[written++] = (byte)'.';
            Digits(buffer, written, milliseconds, 3);
            written += 3;
            while (buffer[written - 1] == (byte)'0')
            {
                written--;
            }
        }

        if (value.Kind == DateTimeKind.Utc)
        {
            buffer[written++] = (byte)'Z';
        }

        return written;
    }

    private static void Digits(Span<byte> buffer, int at, int value, int count)
    {
        for (var i = count - 1; i >= 0; i--)
        {
            buffer[at + i] = (byte)('0' + (value % 10));
            value /= 10;
        }
    }

    /// <summary>Writes a row as one flat JSON object (field name → value), validating it first; nulls are not written.</summary>
    public static void WriteObject<TRow>(Utf8JsonWriter writer, TRow row)
        where TRow : IDataExtensionRow<TRow> => TRow.WriteObject(writer, row);

    /// <summary>Validates a row against its schema (see <see cref="IDataExtensionRow{TSelf}.Validate"/>).</summary>
    public static void Validate<TRow>(TRow row)
        where TRow : IDataExtensionRow<TRow> => TRow.Validate(row);

    /// <summary>
    /// Writes one row, checking each field as it goes (<see cref="IDataExtensionRow{TSelf}.WriteObject"/> and
    /// <see cref="IDataExtensionRow{TSelf}.WriteRowsetItem"/>). The row is built in a stack buffer with pre-encoded
    /// names and reaches <paramref name="writer"/> as one raw value only when every field passed; a rowset item visits
    /// the fields twice, the primary key into <c>keys</c>, the rest into <c>values</c>.
    /// </summary>
    internal static void WriteRow<TRow>(Utf8JsonWriter writer, TRow row, bool rowset)
        where TRow : IReadOnlyDataExtensionRow<TRow>
    {
        ArgumentNullException.ThrowIfNull(writer);
        var schema = TRow.Schema;
        var visitor = DataExtensionFieldVisitor.ForJson(schema, new DataExtensionRowJson(stackalloc byte[schema.RowJsonBytes]));
        try
        {
            visitor.Json.StartObject();
            if (rowset)
            {
                if (schema.PrimaryKey.Count > 0)
                {
                    visitor.OnlyKeys(true);
                    visitor.Json.StartObject("\"keys\":"u8);
                    TRow.VisitFields(row, ref visitor);
                    visitor.Json.EndObject();
                }

                visitor.OnlyKeys(false);
                visitor.Json.StartObject("\"values\":"u8);
                TRow.VisitFields(row, ref visitor);
                visitor.Json.EndObject();
            }
            else
            {
                TRow.VisitFields(row, ref visitor);
            }

            if (visitor.Failed)
            {
                visitor.Throw(row);
            }

            visitor.Json.EndObject();
            visitor.Json.WriteTo(writer);
        }
        finally
        {
            visitor.Json.Dispose();
        }
    }
}
