using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Data.Sqlite;
using Sfmc.Client;

namespace Sfmc.Emulator;

/// <summary>
/// Data Extension rows in SQLite, one table per DE, every value stored as SFMC returns it (text). Enforces what a
/// tenant enforces on write: known columns, primary key present, MaxLength, types, required values.
/// </summary>
internal sealed class EmulatorStore : IAsyncDisposable
{
    /// <summary>Rows written in one transaction by bulk writes (the async API, file imports).</summary>
    private const int RowsPerTransaction = 5000;

    /// <summary>SFMC's server time: CST (UTC−6) without daylight saving.</summary>
    private static readonly TimeSpan ServerOffset = TimeSpan.FromHours(-6);

    private readonly SqliteConnection _connection;
    private readonly SemaphoreSlim _lock = new(1, 1);
    private readonly Dictionary<string, DataExtensionInfo> _dataExtensions = new(StringComparer.Ordinal);

    private EmulatorStore(SqliteConnection connection) => _connection = connection;

    public static async Task<EmulatorStore> OpenAsync(string? databasePath, IEnumerable<DataExtensionInfo> dataExtensions, CancellationToken cancellationToken)
    {
        var connectionString = databasePath is null
            ? new SqliteConnectionStringBuilder { DataSource = "sfmc-emulator-" + Guid.NewGuid().ToString("N"), Mode = SqliteOpenMode.Memory, Cache = SqliteCacheMode.Shared }.ToString()
            : new SqliteConnectionStringBuilder { DataSource = databasePath, Mode = SqliteOpenMode.ReadWriteCreate }.ToString();
        var connection = new SqliteConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        var store = new EmulatorStore(connection);
        await store.ExecuteAsync("CREATE TABLE IF NOT EXISTS \"_soap_objects\" (type TEXT NOT NULL, key TEXT NOT NULL COLLATE NOCASE, json TEXT NOT NULL, PRIMARY KEY (type, key))", cancellationToken);
        foreach (var dataExtension in dataExtensions)
        {
            await store.AddDataExtensionAsync(dataExtension, cancellationToken);
        }

        return store;
    }

    public bool TryGet(string key, out DataExtensionInfo dataExtension) => _dataExtensions.TryGetValue(key, out dataExtension!);

    public async Task AddDataExtensionAsync(DataExtensionInfo dataExtension, CancellationToken cancellationToken)
    {
        await _lock.WaitAsync(cancellationToken);
        try
        {
            lock (_dataExtensions)
            {
                _dataExtensions[dataExtension.CustomerKey] = dataExtension;
            }

            await ExecuteAsync(CreateTable(dataExtension), cancellationToken);
            await ExecuteAsync(CreateIdentityIndex(dataExtension), cancellationToken);
        }
        finally
        {
            _lock.Release();
        }
    }

    /// <summary>
    /// Replaces a DE's definition after a SOAP Update: each added field becomes a column (with its default); when one of
    /// them joins the primary key, the table (which must be empty) is made again with the new key.
    /// </summary>
    public async Task UpdateDataExtensionAsync(DataExtensionInfo updated, IReadOnlyList<DataExtensionFieldInfo> added, CancellationToken cancellationToken)
    {
        await _lock.WaitAsync(cancellationToken);
        try
        {
            if (added.Any(f => f.IsPrimaryKey))
            {
                await ExecuteAsync($"DROP TABLE IF EXISTS {Table(updated)}", cancellationToken);
                await ExecuteAsync(CreateTable(updated), cancellationToken);
                await ExecuteAsync(CreateIdentityIndex(updated), cancellationToken);
            }
            else
            {
                foreach (var field in added)
                {
                    await ExecuteAsync($"ALTER TABLE {Table(updated)} ADD COLUMN {Quote(field.Name)} TEXT{Default(field)}", cancellationToken);
                }
            }

            lock (_dataExtensions)
            {
                _dataExtensions[updated.CustomerKey] = updated;
            }
        }
        finally
        {
            _lock.Release();
        }
    }

    /// <summary>Validates then upserts all rows atomically (SFMC rejects the whole rowset on any error).</summary>
    public async Task<IReadOnlyList<EmulatorError>> UpsertAsync(DataExtensionInfo dataExtension, IReadOnlyList<Dictionary<string, JsonElement>> rows, bool insertOnly, CancellationToken cancellationToken)
    {
        var errors = new List<EmulatorError>();
        var normalized = new List<Dictionary<DataExtensionFieldInfo, string?>>(rows.Count);
        foreach (var row in rows)
        {
            normalized.Add(Normalize(dataExtension, row, errors));
        }

        if (errors.Count > 0)
        {
            return errors;
        }

        return await UpsertNormalizedAsync(dataExtension, normalized, insertOnly, cancellationToken);
    }

    /// <summary>
    /// A file import's rows, already checked and normalized (<see cref="NormalizeText"/>): written in chunks of 5,000,
    /// one transaction each. Every row must have its required values (the import checks them first).
    /// </summary>
    public async Task WriteImportedAsync(DataExtensionInfo dataExtension, IReadOnlyList<Dictionary<DataExtensionFieldInfo, string?>> rows, CancellationToken cancellationToken)
    {
        for (var start = 0; start < rows.Count; start += RowsPerTransaction)
        {
            var errors = await UpsertNormalizedAsync(dataExtension, rows.Skip(start).Take(RowsPerTransaction).ToList(), insertOnly: false, cancellationToken);
            if (errors.Count > 0)
            {
                throw new InvalidOperationException("An imported row lacked a required value: " + errors[0].Message);
            }
        }
    }

    private async Task<IReadOnlyList<EmulatorError>> UpsertNormalizedAsync(DataExtensionInfo dataExtension, IReadOnlyList<Dictionary<DataExtensionFieldInfo, string?>> normalized, bool insertOnly, CancellationToken cancellationToken)
    {
        var errors = new List<EmulatorError>();
        // One prepared statement per set of fields present (rows of a load mostly share one): preparing a statement
        // per row cost more than the insert.
        var statements = new Dictionary<string, SqliteCommand>(StringComparer.Ordinal);
        await _lock.WaitAsync(cancellationToken);
        try
        {
            await using var transaction = (SqliteTransaction)await _connection.BeginTransactionAsync(cancellationToken);
            var next = Convert.ToInt64(await ScalarAsync($"SELECT IFNULL(MAX(\"_CustomObjectKey\"), 0) FROM {Table(dataExtension)}", cancellationToken), CultureInfo.InvariantCulture);
            foreach (var row in normalized)
            {
                // A required field without a default may be left out only when the row exists and is updated.
                var missing = MissingRequired(dataExtension, row).ToList();
                if (missing.Count > 0 && (insertOnly || dataExtension.PrimaryKey.Count == 0 || !await RowExistsAsync(dataExtension, row, transaction, cancellationToken)))
                {
                    errors.AddRange(missing.Select(f => new EmulatorError($"{f.Name}: The column [{f.Name}] does not allow null values.", 10000)));
                    continue;
                }

                var fields = row.Keys.ToList();
                var signature = string.Join("\u001f", fields.Select(f => f.Name));
                if (!statements.TryGetValue(signature, out var command))
                {
                    statements[signature] = command = UpsertStatement(dataExtension, fields, insertOnly, transaction);
                }

                command.Parameters[0].Value = ++next;
                for (var i = 0; i < fields.Count; i++)
                {
                    command.Parameters[i + 1].Value = (object?)row[fields[i]] ?? DBNull.Value;
                }

                await command.ExecuteNonQueryAsync(cancellationToken);
            }

            if (errors.Count > 0)
            {
                return errors; // disposing the transaction rolls the whole rowset back
            }

            await transaction.CommitAsync(cancellationToken);
        }
        finally
        {
            foreach (var statement in statements.Values)
            {
                statement.Dispose();
            }

            _lock.Release();
        }

        return errors;
    }

    /// <summary>The INSERT … ON CONFLICT of a row with these fields: <c>$id</c>, then one parameter per field in order.</summary>
    private SqliteCommand UpsertStatement(DataExtensionInfo dataExtension, List<DataExtensionFieldInfo> fields, bool insertOnly, SqliteTransaction transaction)
    {
        var command = _connection.CreateCommand();
        command.Transaction = transaction;
        var names = string.Join(", ", fields.Select(f => Quote(f.Name)));
        var parameters = string.Join(", ", fields.Select((_, i) => "$p" + i.ToString(CultureInfo.InvariantCulture)));
        var update = string.Join(", ", fields.Where(f => !f.IsPrimaryKey).Select(f => $"{Quote(f.Name)} = excluded.{Quote(f.Name)}"));
        var conflict = dataExtension.PrimaryKey.Count == 0
            ? ""
            : insertOnly || update.Length == 0
                ? " ON CONFLICT DO NOTHING"
                : $" ON CONFLICT ({string.Join(", ", dataExtension.PrimaryKey.Select(f => Quote(f.Name)))}) DO UPDATE SET {update}";
        command.CommandText = $"INSERT INTO {Table(dataExtension)} (\"_CustomObjectKey\", {names}) VALUES ($id, {parameters}){conflict}";
        command.Parameters.Add("$id", SqliteType.Integer);
        for (var i = 0; i < fields.Count; i++)
        {
            command.Parameters.Add("$p" + i.ToString(CultureInfo.InvariantCulture), SqliteType.Text);
        }

        return command;
    }

    /// <summary>The non-key required fields without a default that the row leaves out (allowed only on an update).</summary>
    private static IEnumerable<DataExtensionFieldInfo> MissingRequired(DataExtensionInfo dataExtension, Dictionary<DataExtensionFieldInfo, string?> row) =>
        dataExtension.Fields.Where(f => f.IsRequired && !f.IsPrimaryKey && f.DefaultValue is null && !row.ContainsKey(f));

    /// <summary>
    /// The async API's processing: each row on its own (a bad row does not stop the others). An insert of an existing
    /// primary key fails like SFMC's SQL does. Returns one error per failed row.
    /// </summary>
    public async Task<IReadOnlyList<EmulatorError>> WriteEachAsync(DataExtensionInfo dataExtension, IReadOnlyList<Dictionary<string, JsonElement>> rows, bool insertOnly, CancellationToken cancellationToken)
    {
        var errors = new List<EmulatorError>();
        var valid = new List<Dictionary<DataExtensionFieldInfo, string?>>();
        foreach (var row in rows)
        {
            var rowErrors = new List<EmulatorError>();
            var normalizedRow = Normalize(dataExtension, row, rowErrors);
            if (rowErrors.Count > 0)
            {
                errors.Add(new EmulatorError(string.Join(" ", rowErrors.Select(e => e.Message)), 0));
                continue;
            }

            // Upserts of valid rows that have every required value go in chunks, one transaction each (an import has
            // hundreds of thousands). Inserts, and rows that lack a required value (an error unless the row exists),
            // stay row by row: an error must not roll back the other rows of a chunk.
            if (!insertOnly && !MissingRequired(dataExtension, normalizedRow).Any())
            {
                valid.Add(normalizedRow);
                if (valid.Count == RowsPerTransaction)
                {
                    errors.AddRange(await UpsertNormalizedAsync(dataExtension, valid, insertOnly, cancellationToken));
                    valid.Clear();
                }

                continue;
            }

            if (insertOnly && dataExtension.PrimaryKey.Count > 0 && await ExistsAsync(dataExtension, row, cancellationToken) is { } duplicate)
            {
                errors.Add(new EmulatorError($"Violation of PRIMARY KEY constraint 'PK_{dataExtension.CustomerKey}'. Cannot insert duplicate key in object '{dataExtension.CustomerKey}'. The duplicate key value is ({duplicate}).\r\nThe statement has been terminated.", 0));
                continue;
            }

            errors.AddRange(await UpsertAsync(dataExtension, new[] { row }, insertOnly, cancellationToken));
        }

        if (valid.Count > 0)
        {
            errors.AddRange(await UpsertNormalizedAsync(dataExtension, valid, insertOnly, cancellationToken));
        }

        return errors;
    }

    private Task<bool> RowExistsAsync(DataExtensionInfo dataExtension, Dictionary<DataExtensionFieldInfo, string?> row, SqliteTransaction transaction, CancellationToken cancellationToken) =>
        KeyExistsAsync(dataExtension, dataExtension.PrimaryKey.Select(row.GetValueOrDefault).ToList(), transaction, cancellationToken);

    private async Task<string?> ExistsAsync(DataExtensionInfo dataExtension, Dictionary<string, JsonElement> row, CancellationToken cancellationToken)
    {
        var values = dataExtension.PrimaryKey.Select(f => row.TryGetValue(f.Name, out var v) ? (v.ValueKind == JsonValueKind.String ? v.GetString() : v.GetRawText()) : null).ToList();
        await _lock.WaitAsync(cancellationToken);
        try
        {
            return await KeyExistsAsync(dataExtension, values, null, cancellationToken) ? string.Join(", ", values) : null;
        }
        finally
        {
            _lock.Release();
        }
    }

    /// <summary>Whether a row has these primary-key values (in the order of the DE's primary key); the caller holds the lock.</summary>
    private async Task<bool> KeyExistsAsync(DataExtensionInfo dataExtension, IReadOnlyList<string?> values, SqliteTransaction? transaction, CancellationToken cancellationToken)
    {
        using var command = _connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = $"SELECT COUNT(*) FROM {Table(dataExtension)} WHERE " + string.Join(" AND ", dataExtension.PrimaryKey.Select((f, i) => $"{Quote(f.Name)} = $k{i.ToString(CultureInfo.InvariantCulture)}"));
        for (var i = 0; i < values.Count; i++)
        {
            command.Parameters.AddWithValue("$k" + i.ToString(CultureInfo.InvariantCulture), (object?)values[i] ?? DBNull.Value);
        }

        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture) > 0;
    }

    /// <summary>A page of rows, ordered by insertion, values as SFMC returns them (strings, names lower-cased by the caller).</summary>
    public Task<(long Count, List<Dictionary<string, string?>> Rows)> ReadAsync(DataExtensionInfo dataExtension, int page, int pageSize, CancellationToken cancellationToken) =>
        ReadAsync(dataExtension, page, pageSize, null, null, cancellationToken);

    /// <summary>
    /// A page of the rows whose <paramref name="field"/> holds <paramref name="value"/> (compared as stored, ignoring
    /// case), with their count; all rows when <paramref name="field"/> is null.
    /// </summary>
    public async Task<(long Count, List<Dictionary<string, string?>> Rows)> ReadAsync(DataExtensionInfo dataExtension, int page, int pageSize, DataExtensionFieldInfo? field, string? value, CancellationToken cancellationToken)
    {
        await _lock.WaitAsync(cancellationToken);
        try
        {
            var where = field is null ? "" : $" WHERE {Quote(field.Name)} = $value COLLATE NOCASE";
            using var counting = _connection.CreateCommand();
            counting.CommandText = $"SELECT COUNT(*) FROM {Table(dataExtension)}{where}";
            counting.Parameters.AddWithValue("$value", (object?)value ?? DBNull.Value);
            var count = Convert.ToInt64(await counting.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture);
            using var command = _connection.CreateCommand();
            command.CommandText = $"SELECT {string.Join(", ", dataExtension.Fields.Select(f => Quote(f.Name)))} FROM {Table(dataExtension)}{where} ORDER BY \"_CustomObjectKey\" LIMIT $take OFFSET $skip";
            command.Parameters.AddWithValue("$value", (object?)value ?? DBNull.Value);
            command.Parameters.AddWithValue("$take", pageSize);
            command.Parameters.AddWithValue("$skip", (long)(page - 1) * pageSize);
            var rows = new List<Dictionary<string, string?>>();
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                var row = new Dictionary<string, string?>(StringComparer.Ordinal);
                for (var i = 0; i < dataExtension.Fields.Count; i++)
                {
                    row[dataExtension.Fields[i].Name] = reader.IsDBNull(i) ? null : reader.GetString(i);
                }

                rows.Add(row);
            }

            return (count, rows);
        }
        finally
        {
            _lock.Release();
        }
    }

    private static Dictionary<DataExtensionFieldInfo, string?> Normalize(DataExtensionInfo dataExtension, Dictionary<string, JsonElement> row, List<EmulatorError> errors)
    {
        var result = new Dictionary<DataExtensionFieldInfo, string?>();
        foreach (var (name, value) in row)
        {
            var field = dataExtension.FindField(name);
            if (field is null)
            {
                errors.Add(new EmulatorError($"{name}: The column [{name}] does not exist in the data extension.", 10000));
                continue;
            }

            if (NormalizeValue(field, value, out var text) is { } problem)
            {
                errors.Add(new EmulatorError($"{field.Name}: The value for column [{field.Name}] {problem}", 10000));
                continue;
            }

            result[field] = text;
        }

        foreach (var key in dataExtension.PrimaryKey)
        {
            if (!result.TryGetValue(key, out var value) || string.IsNullOrEmpty(value))
            {
                errors.Add(new EmulatorError($"{key.Name}: The primary key column [{key.Name}] is missing.", 10000));
            }
        }

        foreach (var field in dataExtension.Fields.Where(f => f.IsRequired && !f.IsPrimaryKey && f.DefaultValue is null))
        {
            if (result.TryGetValue(field, out var value) && value is null)
            {
                errors.Add(new EmulatorError($"{field.Name}: The column [{field.Name}] does not allow null values.", 10000));
            }
        }

        return result;
    }

    /// <summary>SFMC applies a field's default value when an insert leaves it out (GetDate() for dates: the time of insert).</summary>
    private static string Default(DataExtensionFieldInfo field)
    {
        if (field.DefaultValue is not { Length: > 0 } value)
        {
            return "";
        }

        if (field.FieldType == DataExtensionFieldType.Date)
        {
            return value.Equals("GetDate()", StringComparison.OrdinalIgnoreCase)
                ? " DEFAULT (strftime('%m/%d/%Y %H:%M:%S', 'now', '-6 hours'))"
                : "";
        }

        return NormalizeValue(field, JsonSerializer.SerializeToElement(value), out var text) is null && text is not null
            ? " DEFAULT '" + text.Replace("'", "''", StringComparison.Ordinal) + "'"
            : "";
    }

    /// <summary>Returns null when the value fits the field (with its stored text), else what is wrong.</summary>
    private static string? NormalizeValue(DataExtensionFieldInfo field, JsonElement value, out string? text)
    {
        text = null;
        if (value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        var raw = value.ValueKind switch
        {
            JsonValueKind.String => value.GetString()!,
            JsonValueKind.Number => value.GetRawText(),
            JsonValueKind.True => "true",
            JsonValueKind.False => "false",
            _ => null,
        };
        return raw is null ? "is not a scalar value." : NormalizeText(field, raw, out text);
    }

    /// <summary>A value given as text (a JSON string, a CSV cell): null when it fits the field (with its stored text), else what is wrong.</summary>
    internal static string? NormalizeText(DataExtensionFieldInfo field, string raw, out string? text)
    {
        text = null;
        switch (field.FieldType)
        {
            case DataExtensionFieldType.Number:
                if (!int.TryParse(raw, NumberStyles.Integer, CultureInfo.InvariantCulture, out var number))
                {
                    return "is not a valid integer.";
                }

                text = number.ToString(CultureInfo.InvariantCulture);
                return null;
            case DataExtensionFieldType.Decimal:
                if (!decimal.TryParse(raw, NumberStyles.Number | NumberStyles.AllowExponent, CultureInfo.InvariantCulture, out var dec))
                {
                    return "is not a valid decimal.";
                }

                text = Math.Round(dec, field.Scale ?? 0, MidpointRounding.AwayFromZero).ToString("F" + (field.Scale ?? 0).ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
                return null;
            case DataExtensionFieldType.Boolean:
                text = raw.Trim().ToUpperInvariant() switch
                {
                    "TRUE" or "1" or "Y" or "YES" => "True",
                    "FALSE" or "0" or "N" or "NO" => "False",
                    _ => null,
                };
                return text is null ? "is not a valid boolean." : null;
            case DataExtensionFieldType.Date:
                if (!DateTimeOffset.TryParse(raw, CultureInfo.InvariantCulture, DateTimeStyles.AllowWhiteSpaces | DateTimeStyles.AssumeUniversal, out var date))
                {
                    return "is not a valid date.";
                }

                // A value with an offset is converted to server time; one without is server time already.
                var local = HasOffset(raw) ? date.ToOffset(ServerOffset).DateTime : date.UtcDateTime;
                text = local.ToString("M/d/yyyy h:mm:ss tt", CultureInfo.InvariantCulture);
                return null;
            case DataExtensionFieldType.EmailAddress when raw.Length > 0 && (raw.IndexOf('@', StringComparison.Ordinal) <= 0 || raw.EndsWith('@')):
                return "is not a valid email address. Parse error [InvalidEmailAddress]";
            default:
                if (raw.Length > DataExtensionFieldTypes.Of(field.FieldType).CharacterLimit(field.MaxLength))
                {
                    return "exceeds the column's maximum length.";
                }

                text = raw;
                return null;
        }
    }

    private static bool HasOffset(string raw)
    {
        var t = raw.IndexOf('T', StringComparison.Ordinal);
        if (t < 0)
        {
            return raw.EndsWith('Z');
        }

        var time = raw[t..];
        return time.EndsWith('Z') || time.Contains('+', StringComparison.Ordinal) || time.LastIndexOf('-') > 0;
    }

    private async Task ExecuteAsync(string sql, CancellationToken cancellationToken)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private async Task<object?> ScalarAsync(string sql, CancellationToken cancellationToken)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = sql;
        return await command.ExecuteScalarAsync(cancellationToken);
    }

    private static string CreateTable(DataExtensionInfo dataExtension)
    {
        var columns = dataExtension.Fields.Select(f => $"{Quote(f.Name)} TEXT{(f.IsPrimaryKey ? " COLLATE NOCASE" : "")}{Default(f)}");
        // _CustomObjectKey: SFMC's hidden identity column; without a primary key every insert is a new row.
        var keys = dataExtension.PrimaryKey.Count > 0
            ? ", PRIMARY KEY (" + string.Join(", ", dataExtension.PrimaryKey.Select(f => Quote(f.Name))) + ")"
            : "";
        return $"CREATE TABLE IF NOT EXISTS {Table(dataExtension)} (\"_CustomObjectKey\" INTEGER NOT NULL, {string.Join(", ", columns)}{keys})";
    }

    /// <summary>Each write reads MAX(_CustomObjectKey): without an index that is a scan of the table per batch.</summary>
    private static string CreateIdentityIndex(DataExtensionInfo dataExtension) =>
        $"CREATE INDEX IF NOT EXISTS {Quote("ix:" + dataExtension.CustomerKey)} ON {Table(dataExtension)} (\"_CustomObjectKey\")";

    private static string Table(DataExtensionInfo dataExtension) => Quote("de:" + dataExtension.CustomerKey);

    private static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    /// <summary>The Data Extensions of the tenant, by key order.</summary>
    public IReadOnlyList<DataExtensionInfo> DataExtensions
    {
        get
        {
            lock (_dataExtensions)
            {
                return _dataExtensions.Values.OrderBy(d => d.CustomerKey, StringComparer.Ordinal).ToList();
            }
        }
    }

    /// <summary>Whether a row with this normalized row's primary key exists.</summary>
    public async Task<bool> RowExistsAsync(DataExtensionInfo dataExtension, Dictionary<DataExtensionFieldInfo, string?> row, CancellationToken cancellationToken)
    {
        await _lock.WaitAsync(cancellationToken);
        try
        {
            return await KeyExistsAsync(dataExtension, dataExtension.PrimaryKey.Select(row.GetValueOrDefault).ToList(), null, cancellationToken);
        }
        finally
        {
            _lock.Release();
        }
    }

    /// <summary>Deletes every row of a DE (an Overwrite import).</summary>
    public async Task DeleteAllRowsAsync(DataExtensionInfo dataExtension, CancellationToken cancellationToken)
    {
        await _lock.WaitAsync(cancellationToken);
        try
        {
            await ExecuteAsync($"DELETE FROM {Table(dataExtension)}", cancellationToken);
        }
        finally
        {
            _lock.Release();
        }
    }

    /// <summary>Deletes the row with these primary-key values (text keys match case-insensitively); false when none matched.</summary>
    public async Task<bool> DeleteRowAsync(DataExtensionInfo dataExtension, IReadOnlyDictionary<string, string?> keys, CancellationToken cancellationToken)
    {
        await _lock.WaitAsync(cancellationToken);
        try
        {
            using var command = _connection.CreateCommand();
            var conditions = dataExtension.PrimaryKey.Select((f, i) => $"{Quote(f.Name)} = $k{i}").ToList();
            command.CommandText = $"DELETE FROM {Table(dataExtension)} WHERE {string.Join(" AND ", conditions)}";
            for (var i = 0; i < dataExtension.PrimaryKey.Count; i++)
            {
                command.Parameters.AddWithValue("$k" + i.ToString(CultureInfo.InvariantCulture), (object?)keys.GetValueOrDefault(dataExtension.PrimaryKey[i].Name) ?? DBNull.Value);
            }

            return await command.ExecuteNonQueryAsync(cancellationToken) > 0;
        }
        finally
        {
            _lock.Release();
        }
    }

    /// <summary>Stores SOAP objects (subscribers, tracking events, triggered sends…) as property bags, by type and key.</summary>
    public async Task SaveSoapObjectsAsync(string objectType, IEnumerable<(string Key, IReadOnlyDictionary<string, string?> Properties)> objects, CancellationToken cancellationToken)
    {
        await _lock.WaitAsync(cancellationToken);
        try
        {
            using var transaction = _connection.BeginTransaction();
            using var command = _connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = "INSERT INTO \"_soap_objects\" (type, key, json) VALUES ($type, $key, $json) ON CONFLICT(type, key) DO UPDATE SET json = excluded.json";
            var type = command.Parameters.Add("$type", SqliteType.Text);
            var key = command.Parameters.Add("$key", SqliteType.Text);
            var json = command.Parameters.Add("$json", SqliteType.Text);
            foreach (var (objectKey, properties) in objects)
            {
                type.Value = objectType;
                key.Value = objectKey;
                json.Value = JsonSerializer.Serialize(properties);
                await command.ExecuteNonQueryAsync(cancellationToken);
            }

            transaction.Commit();
        }
        finally
        {
            _lock.Release();
        }
    }

    /// <summary>The objects of a type in insertion order; with <paramref name="key"/>, only that one (keys match case-insensitively).</summary>
    public async Task<List<Dictionary<string, string?>>> ReadSoapObjectsAsync(string objectType, CancellationToken cancellationToken, string? key = null)
    {
        await _lock.WaitAsync(cancellationToken);
        try
        {
            using var command = _connection.CreateCommand();
            command.CommandText = "SELECT json FROM \"_soap_objects\" WHERE type = $type" + (key is null ? "" : " AND key = $key") + " ORDER BY rowid";
            command.Parameters.AddWithValue("$type", objectType);
            if (key is not null)
            {
                command.Parameters.AddWithValue("$key", key);
            }

            var result = new List<Dictionary<string, string?>>();
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                var values = JsonSerializer.Deserialize<Dictionary<string, string?>>(reader.GetString(0)) ?? new();
                result.Add(new Dictionary<string, string?>(values, StringComparer.OrdinalIgnoreCase));
            }

            return result;
        }
        finally
        {
            _lock.Release();
        }
    }

    /// <summary>
    /// Changes the first object of a type that <paramref name="match"/> accepts, in place (same key), under one lock;
    /// returns the changed object, or null when none matched.
    /// </summary>
    public async Task<Dictionary<string, string?>?> UpdateSoapObjectAsync(string objectType, Func<Dictionary<string, string?>, bool> match, Action<Dictionary<string, string?>> update, CancellationToken cancellationToken)
    {
        await _lock.WaitAsync(cancellationToken);
        try
        {
            string? key = null;
            Dictionary<string, string?>? found = null;
            using (var command = _connection.CreateCommand())
            {
                command.CommandText = "SELECT key, json FROM \"_soap_objects\" WHERE type = $type ORDER BY rowid";
                command.Parameters.AddWithValue("$type", objectType);
                await using var reader = await command.ExecuteReaderAsync(cancellationToken);
                while (found is null && await reader.ReadAsync(cancellationToken))
                {
                    var values = new Dictionary<string, string?>(JsonSerializer.Deserialize<Dictionary<string, string?>>(reader.GetString(1)) ?? new(), StringComparer.OrdinalIgnoreCase);
                    if (match(values))
                    {
                        (key, found) = (reader.GetString(0), values);
                    }
                }
            }

            if (found is null)
            {
                return null;
            }

            update(found);
            using (var command = _connection.CreateCommand())
            {
                command.CommandText = "UPDATE \"_soap_objects\" SET json = $json WHERE type = $type AND key = $key";
                command.Parameters.AddWithValue("$type", objectType);
                command.Parameters.AddWithValue("$key", key);
                command.Parameters.AddWithValue("$json", JsonSerializer.Serialize(found));
                await command.ExecuteNonQueryAsync(cancellationToken);
            }

            return found;
        }
        finally
        {
            _lock.Release();
        }
    }

    public async Task<bool> DeleteSoapObjectAsync(string objectType, string key, CancellationToken cancellationToken)
    {
        await _lock.WaitAsync(cancellationToken);
        try
        {
            using var command = _connection.CreateCommand();
            command.CommandText = "DELETE FROM \"_soap_objects\" WHERE type = $type AND key = $key COLLATE NOCASE";
            command.Parameters.AddWithValue("$type", objectType);
            command.Parameters.AddWithValue("$key", key);
            return await command.ExecuteNonQueryAsync(cancellationToken) > 0;
        }
        finally
        {
            _lock.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        // Waits for the operation in flight, if any; the semaphore stays taken so none starts on a closed connection.
        await _lock.WaitAsync();
        await _connection.DisposeAsync();
    }
}

/// <summary>One entry of SFMC's <c>additionalErrors</c>.</summary>
internal sealed record EmulatorError(string Message, int ErrorCode);

