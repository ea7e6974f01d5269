using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;

namespace Sfmc.Client;

/// <summary>An untyped row: primary-key and other values by exact SFMC field name.</summary>
public sealed class DataExtensionRow
{
    /// <summary>Creates a row.</summary>
    /// <param name="keys">The primary-key fields and their values.</param>
    /// <param name="values">The other fields and their values (null is sent as JSON null).</param>
    public DataExtensionRow(IReadOnlyDictionary<string, object?> keys, IReadOnlyDictionary<string, object?> values)
    {
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentNullException.ThrowIfNull(values);
        Keys = keys;
        Values = values;
    }

    /// <summary>The primary-key fields.</summary>
    public IReadOnlyDictionary<string, object?> Keys { get; }

    /// <summary>The other fields.</summary>
    public IReadOnlyDictionary<string, object?> Values { get; }
}

/// <summary>
/// Data Extension operations by key, for DEs without a generated row type. There is no schema here, so values are
/// checked by SFMC only; prefer <see cref="SfmcClient.DataExtension{TRow}"/>. The key is still checked at compile
/// time against the project's DE files (SFMC0150/SFMC0151) when it is a constant.
/// </summary>
public sealed class DataExtensionRowsClient
{
    private readonly SfmcClient _client;
    private readonly DataExtensionWriter<DataExtensionRow> _writer;

    internal DataExtensionRowsClient(SfmcClient client, string key)
    {
        _client = client;
        Key = key;
        _writer = new DataExtensionWriter<DataExtensionRow>(client, key, new RowCodec<DataExtensionRow>(WriteRowsetItem, WriteObject, PrimaryKey));
    }

    /// <summary>The DE's customer key.</summary>
    public string Key { get; }

    /// <summary>Upserts rows by primary key; see <see cref="DataExtensionClient{TRow}.UpsertAsync(IAsyncEnumerable{TRow}, DataExtensionWriteOptions?, CancellationToken)"/>.</summary>
    public Task<DataExtensionWriteResult> UpsertAsync(IEnumerable<DataExtensionRow> rows, DataExtensionWriteOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(rows);
        options ??= new DataExtensionWriteOptions();
        return _writer.WriteAsync(DataExtensionReads.ToAsync(rows), options.Api == DataExtensionApi.Sync ? DataExtensionWriteMode.SyncUpsert : DataExtensionWriteMode.AsyncUpsert, options, cancellationToken);
    }

    /// <summary>Inserts rows through the async API; see <see cref="DataExtensionClient{TRow}.InsertAsync(IAsyncEnumerable{TRow}, DataExtensionWriteOptions?, CancellationToken)"/>.</summary>
    public Task<DataExtensionWriteResult> InsertAsync(IEnumerable<DataExtensionRow> rows, DataExtensionWriteOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(rows);
        return _writer.WriteAsync(DataExtensionReads.ToAsync(rows), DataExtensionWriteMode.AsyncInsert, options ?? new DataExtensionWriteOptions(), cancellationToken);
    }

    /// <summary>Reads every row, page by page, with values as SFMC returns them (strings, names lower-cased).</summary>
    public IAsyncEnumerable<DataExtensionRow> QueryAsync(int pageSize = 2500, CancellationToken cancellationToken = default) =>
        DataExtensionReads.QueryAsync(_client, Key, pageSize, ReadPage, cancellationToken);

    private static IReadOnlyList<DataExtensionRow> ReadPage(byte[] body)
    {
        using var document = JsonDocument.Parse(body);
        return document.RootElement.TryGetProperty("items", out var items) && items.ValueKind == JsonValueKind.Array
            ? items.EnumerateArray().Select(item => new DataExtensionRow(Part(item, "keys"), Part(item, "values"))).ToList()
            : Array.Empty<DataExtensionRow>();
    }

    private static Dictionary<string, object?> Part(JsonElement item, string name)
    {
        var result = new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase);
        if (item.TryGetProperty(name, out var part) && part.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in part.EnumerateObject())
            {
                result[property.Name] = property.Value.ValueKind == JsonValueKind.Null ? null : property.Value.ValueKind == JsonValueKind.String ? property.Value.GetString() : property.Value.GetRawText();
            }
        }

        return result;
    }

    private static void WriteRowsetItem(Utf8JsonWriter writer, DataExtensionRow row)
    {
        writer.WriteStartObject();
        WriteFields(writer, "keys", row.Keys);
        WriteFields(writer, "values", row.Values);
        writer.WriteEndObject();
    }

    private static void WriteObject(Utf8JsonWriter writer, DataExtensionRow row)
    {
        writer.WriteStartObject();
        foreach (var (name, value) in row.Keys.Concat(row.Values))
        {
            WriteValue(writer, name, value);
        }

        writer.WriteEndObject();
    }

    private static void WriteFields(Utf8JsonWriter writer, string part, IReadOnlyDictionary<string, object?> fields)
    {
        writer.WriteStartObject(part);
        foreach (var (name, value) in fields)
        {
            WriteValue(writer, name, value);
        }

        writer.WriteEndObject();
    }

    internal static void WriteValue(Utf8JsonWriter writer, string name, object? value)
    {
        switch (value)
        {
            case null: writer.WriteNull(name); break;
            case string s: writer.WriteString(name, s); break;
            case bool b: writer.WriteBoolean(name, b); break;
            case int n: writer.WriteNumber(name, n); break;
            case long n: writer.WriteNumber(name, n); break;
            case decimal d: writer.WriteNumber(name, d); break;
            case double d: writer.WriteNumber(name, d); break;
            case float f: writer.WriteNumber(name, f); break;
            case DateTime date: WriteDate(writer, name, date); break;
            case DateTimeOffset offset: writer.WriteString(name, offset.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFzzz", CultureInfo.InvariantCulture)); break;
            case IFormattable formattable: writer.WriteString(name, formattable.ToString(null, CultureInfo.InvariantCulture)); break;
            default: writer.WriteString(name, value.ToString()); break;
        }
    }

    private static void WriteDate(Utf8JsonWriter writer, string name, DateTime value)
    {
        Span<byte> buffer = stackalloc byte[24];
        writer.WriteString(name, buffer[..DataExtensionJson.FormatDate(value, buffer)]);
    }

    private static DataExtensionPrimaryKey PrimaryKey(DataExtensionRow row) =>
        new(row.Keys.Select(k => KeyValuePair.Create(k.Key, k.Value)).ToArray());

}
