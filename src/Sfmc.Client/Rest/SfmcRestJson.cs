using System;
using System.Buffers;
using System.Collections.Generic;
using System.ComponentModel;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Sfmc.Client.Rest;

/// <summary>A type generated from an OpenAPI schema: it writes and reads its own JSON (no reflection, trim and AOT safe).</summary>
/// <typeparam name="TSelf">The generated type.</typeparam>
public interface ISfmcJsonModel<TSelf>
    where TSelf : ISfmcJsonModel<TSelf>
{
    /// <summary>Writes this object as JSON.</summary>
    void WriteJson(Utf8JsonWriter writer);

    /// <summary>Reads an object; the reader is on its StartObject token and is left on its EndObject.</summary>
    static abstract TSelf ReadJson(ref Utf8JsonReader reader);
}

/// <summary>Lets <see cref="JsonSerializer"/> use a generated type's own reader and writer.</summary>
/// <typeparam name="T">The generated type.</typeparam>
public sealed class SfmcJsonModelConverter<T> : JsonConverter<T>
    where T : ISfmcJsonModel<T>
{
    /// <inheritdoc />
    public override T Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => T.ReadJson(ref reader);

    /// <inheritdoc />
    public override void Write(Utf8JsonWriter writer, T value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(value);
        value.WriteJson(writer);
    }
}

/// <summary>Helpers for generated REST models. Not for direct use.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class SfmcRestJson
{
    /// <summary>SFMC writes times without an offset in Central Standard Time, without daylight saving.</summary>
    private static readonly TimeSpan SfmcServerOffset = TimeSpan.FromHours(-6);

    /// <summary>Checks the reader is on the start of an object.</summary>
    public static void StartObject(ref Utf8JsonReader reader, string type)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw new JsonException($"Expected a JSON object for {type}, found {reader.TokenType}.");
        }
    }

    /// <summary>Moves to the next property; false at the end of the object. On true the reader is on the property name.</summary>
    public static bool NextProperty(ref Utf8JsonReader reader)
    {
        if (!reader.Read())
        {
            throw new JsonException("Unexpected end of JSON.");
        }

        return reader.TokenType == JsonTokenType.PropertyName;
    }

    /// <summary>Skips the value of the current property (the reader is on its name).</summary>
    public static void SkipValue(ref Utf8JsonReader reader)
    {
        reader.Read();
        reader.Skip();
    }

    /// <summary>A value that was required and is missing.</summary>
    public static T Required<T>(T? value, string property, string type)
        where T : class =>
        value ?? throw new JsonException($"Required property '{property}' of {type} is missing or null.");

    /// <summary>A value that was required and is missing.</summary>
    public static T Required<T>(T? value, string property, string type)
        where T : struct =>
        value ?? throw new JsonException($"Required property '{property}' of {type} is missing or null.");

    /// <summary>Reads a string (null allows null; numbers and booleans are taken as their text, as SFMC mixes them).</summary>
    public static string? ReadString(ref Utf8JsonReader reader)
    {
        reader.Read();
        return reader.TokenType switch
        {
            JsonTokenType.Null => null,
            JsonTokenType.String => reader.GetString(),
            JsonTokenType.Number or JsonTokenType.True or JsonTokenType.False => Encoding.GetString(reader.HasValueSequence ? reader.ValueSequence.ToArray() : reader.ValueSpan),
            _ => throw new JsonException($"Expected a string, found {reader.TokenType}."),
        };
    }

    /// <summary>Reads an int (a numeric string is accepted: SFMC sometimes quotes numbers).</summary>
    public static int? ReadInt32(ref Utf8JsonReader reader) =>
        ReadNumber(ref reader, static (ref Utf8JsonReader r) => r.GetInt32(), static s => int.Parse(s, NumberStyles.Integer, CultureInfo.InvariantCulture));

    /// <summary>Reads a long.</summary>
    public static long? ReadInt64(ref Utf8JsonReader reader) =>
        ReadNumber(ref reader, static (ref Utf8JsonReader r) => r.GetInt64(), static s => long.Parse(s, NumberStyles.Integer, CultureInfo.InvariantCulture));

    /// <summary>Reads a decimal.</summary>
    public static decimal? ReadDecimal(ref Utf8JsonReader reader) =>
        ReadNumber(ref reader, static (ref Utf8JsonReader r) => r.GetDecimal(), static s => decimal.Parse(s, NumberStyles.Float, CultureInfo.InvariantCulture));

    /// <summary>Reads a double.</summary>
    public static double? ReadDouble(ref Utf8JsonReader reader) =>
        ReadNumber(ref reader, static (ref Utf8JsonReader r) => r.GetDouble(), static s => double.Parse(s, NumberStyles.Float, CultureInfo.InvariantCulture));

    /// <summary>Reads a boolean ("true"/"false" strings accepted).</summary>
    public static bool? ReadBoolean(ref Utf8JsonReader reader)
    {
        reader.Read();
        return reader.TokenType switch
        {
            JsonTokenType.Null => null,
            JsonTokenType.True => true,
            JsonTokenType.False => false,
            JsonTokenType.String => bool.Parse(reader.GetString()!),
            _ => throw new JsonException($"Expected a boolean, found {reader.TokenType}."),
        };
    }

    /// <summary>Reads a date-time. A time without an offset is SFMC server time (UTC−6, no daylight saving).</summary>
    public static DateTimeOffset? ReadDateTime(ref Utf8JsonReader reader)
    {
        var text = ReadString(ref reader);
        if (text is null)
        {
            return null;
        }

        var hasOffset = text.EndsWith('Z') || (text.Length > 6 && text[^6] is '+' or '-' && text[^3] == ':');
        return hasOffset
            ? DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.None)
            : new DateTimeOffset(DateTime.SpecifyKind(DateTime.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.None), DateTimeKind.Unspecified), SfmcServerOffset);
    }

    /// <summary>Writes a date-time in ISO 8601 with its offset.</summary>
    public static void WriteDateTime(Utf8JsonWriter writer, DateTimeOffset value)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStringValue(value);
    }

    /// <summary>Reads a free-form object (null allowed); the reader is on the property name.</summary>
    public static Dictionary<string, object?>? ReadAttributes(ref Utf8JsonReader reader)
    {
        reader.Read();
        return reader.TokenType == JsonTokenType.Null ? null : ReadAttributesValue(ref reader);
    }

    /// <summary>
    /// Reads a free-form object; the reader is on its StartObject. Strings, numbers (decimal when they fit, else double),
    /// booleans and null come back as such; nested objects and arrays as <see cref="JsonElement"/>.
    /// </summary>
    public static Dictionary<string, object?> ReadAttributesValue(ref Utf8JsonReader reader)
    {
        StartObject(ref reader, "an attributes object");
        var values = new Dictionary<string, object?>(StringComparer.Ordinal);
        while (NextProperty(ref reader))
        {
            var name = reader.GetString()!;
            reader.Read();
            values[name] = reader.TokenType switch
            {
                JsonTokenType.Null => null,
                JsonTokenType.String => reader.GetString(),
                JsonTokenType.True => true,
                JsonTokenType.False => false,
                JsonTokenType.Number => reader.TryGetDecimal(out var d) ? d : reader.GetDouble(),
                _ => JsonElement.ParseValue(ref reader),
            };
        }

        return values;
    }

    /// <summary>Writes an array of generated objects.</summary>
    public static void WriteList<T>(Utf8JsonWriter writer, IEnumerable<T> items)
        where T : ISfmcJsonModel<T>
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(items);
        writer.WriteStartArray();
        foreach (var item in items)
        {
            item.WriteJson(writer);
        }

        writer.WriteEndArray();
    }

    /// <summary>Writes a free-form object (values as <c>client.DataExtension(key)</c> writes them).</summary>
    public static void WriteAttributes(Utf8JsonWriter writer, IReadOnlyDictionary<string, object?> values)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(values);
        writer.WriteStartObject();
        foreach (var (name, value) in values)
        {
            if (value is JsonElement element)
            {
                writer.WritePropertyName(name);
                element.WriteTo(writer);
            }
            else
            {
                DataExtensionRowsClient.WriteValue(writer, name, value);
            }
        }

        writer.WriteEndObject();
    }

    /// <summary>Reads any JSON value.</summary>
    public static JsonElement? ReadElement(ref Utf8JsonReader reader)
    {
        reader.Read();
        return reader.TokenType == JsonTokenType.Null ? null : JsonElement.ParseValue(ref reader);
    }

    /// <summary>Reads a generated object (null allowed); the reader is on the property name.</summary>
    public static T? ReadObject<T>(ref Utf8JsonReader reader)
        where T : class, ISfmcJsonModel<T>
    {
        reader.Read();
        return reader.TokenType == JsonTokenType.Null ? null : T.ReadJson(ref reader);
    }

    /// <summary>Reads an array (null allowed) whose items <paramref name="readItem"/> reads from their first token.</summary>
    public static List<T>? ReadList<T>(ref Utf8JsonReader reader, SfmcRestClient.JsonRead<T> readItem)
    {
        ArgumentNullException.ThrowIfNull(readItem);
        reader.Read();
        return reader.TokenType == JsonTokenType.Null ? null : ReadListValue(ref reader, readItem);
    }

    /// <summary>Reads an array; the reader is on its StartArray token.</summary>
    public static List<T> ReadListValue<T>(ref Utf8JsonReader reader, SfmcRestClient.JsonRead<T> readItem)
    {
        ArgumentNullException.ThrowIfNull(readItem);
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            throw new JsonException($"Expected a JSON array, found {reader.TokenType}.");
        }

        var items = new List<T>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            items.Add(readItem(ref reader));
        }

        return items;
    }

    /// <summary>An item reader for arrays of strings.</summary>
    public static string ReadStringItem(ref Utf8JsonReader reader) =>
        reader.TokenType == JsonTokenType.String ? reader.GetString()! : throw new JsonException($"Expected a string item, found {reader.TokenType}.");

    private delegate T NumberRead<T>(ref Utf8JsonReader reader);

    private static T? ReadNumber<T>(ref Utf8JsonReader reader, NumberRead<T> number, Func<string, T> parse)
        where T : struct
    {
        reader.Read();
        return reader.TokenType switch
        {
            JsonTokenType.Null => null,
            JsonTokenType.Number => number(ref reader),
            JsonTokenType.String when reader.GetString() is { Length: > 0 } text => parse(text),
            JsonTokenType.String => null,
            _ => throw new JsonException($"Expected a number, found {reader.TokenType}."),
        };
    }

    private static readonly System.Text.UTF8Encoding Encoding = new(false);
}
