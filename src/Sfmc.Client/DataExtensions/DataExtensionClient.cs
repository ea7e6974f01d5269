using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;

namespace Sfmc.Client;

/// <summary>How a write went: rows, requests, retries, throttles and every row SFMC (or validation) refused.</summary>
/// <param name="DataExtensionKey">The DE's customer key.</param>
/// <param name="RowsSubmitted">Rows read from the caller's sequence.</param>
/// <param name="RowsSucceeded">Rows SFMC accepted.</param>
/// <param name="Requests">HTTP requests that got an answer (retries included).</param>
/// <param name="Retries">Retries the resilience pipeline made.</param>
/// <param name="Throttles">Answers that were HTTP 429.</param>
/// <param name="FailedRows">Rows not written, with their primary key and the reason.</param>
/// <param name="Duration">Wall time of the operation.</param>
/// <param name="RowsPending">Rows SFMC queued (async API) whose outcome was not awaited.</param>
/// <param name="AsyncRequestIds">The requestIds of async API calls, for SFMC's status and results endpoints.</param>
public sealed record DataExtensionWriteResult(
    string DataExtensionKey,
    long RowsSubmitted,
    long RowsSucceeded,
    int Requests,
    int Retries,
    int Throttles,
    IReadOnlyList<DataExtensionRowError> FailedRows,
    TimeSpan Duration,
    long RowsPending,
    IReadOnlyList<string> AsyncRequestIds)
{
    /// <summary>True when every submitted row was written (and confirmed).</summary>
    public bool Succeeded => FailedRows.Count == 0 && RowsSucceeded == RowsSubmitted;
}

/// <summary>A row that was not written.</summary>
/// <param name="PrimaryKey">The row's primary key; empty when SFMC's async results do not say which row failed.</param>
/// <param name="Message">Why: SFMC's message (with its additionalErrors) or the validation failure.</param>
/// <param name="ErrorCode">SFMC's errorcode, when SFMC refused it with one.</param>
/// <param name="AsyncRequestId">The async requestId the error came from, if any.</param>
public sealed record DataExtensionRowError(DataExtensionPrimaryKey PrimaryKey, string Message, int? ErrorCode, string? AsyncRequestId = null);

/// <summary>Which SFMC API a write uses.</summary>
public enum DataExtensionApi
{
    /// <summary><c>POST /hub/v1/dataevents/key:{key}/rowset</c>: synchronous upsert; SFMC answers when the rows are saved.</summary>
    Sync,

    /// <summary><c>/data/v1/async/dataextensions/key:{key}/rows</c>: queued; the client polls status and reads results.</summary>
    Async,
}

/// <summary>Options of one write.</summary>
public sealed class DataExtensionWriteOptions
{
    /// <summary>The API for upserts (inserts always use the async API, the only one that inserts).</summary>
    public DataExtensionApi Api { get; init; } = DataExtensionApi.Sync;

    /// <summary>Reported after each request.</summary>
    public IProgress<DataExtensionProgress>? Progress { get; init; }

    /// <summary>Async API: poll until SFMC has processed each request and read its errors (default true).</summary>
    public bool WaitForCompletion { get; init; } = true;

    /// <summary>Async API: time between status polls (default 2 s).</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Async API: how long to wait for one request to complete before reporting its rows as unconfirmed (default 10 min).</summary>
    public TimeSpan CompletionTimeout { get; init; } = TimeSpan.FromMinutes(10);
}

/// <summary>Progress of a long write, reported after each request.</summary>
/// <param name="RowsSucceeded">Rows written so far.</param>
/// <param name="RowsFailed">Rows refused so far.</param>
/// <param name="Requests">Requests answered so far.</param>
public readonly record struct DataExtensionProgress(long RowsSucceeded, long RowsFailed, int Requests)
{
    /// <summary>Retries the resilience pipeline made so far.</summary>
    public int Retries { get; init; }

    /// <summary>Throttled answers (HTTP 429, SOAP throttling faults) so far.</summary>
    public int Throttles { get; init; }
}

/// <summary>Data Extension operations for a generated row type. Create it with <see cref="SfmcClient.DataExtension{TRow}"/>.</summary>
public sealed class DataExtensionClient<TRow>
    where TRow : IDataExtensionRow<TRow>
{
    private readonly SfmcClient _client;
    private readonly DataExtensionWriter<TRow> _writer;
    private readonly ReadOnlyDataExtensionClient<TRow> _reads;

    internal DataExtensionClient(SfmcClient client)
    {
        _client = client;
        _reads = new ReadOnlyDataExtensionClient<TRow>(client);
        _writer = new DataExtensionWriter<TRow>(client, TRow.Schema.CustomerKey, new RowCodec<TRow>(
            static (writer, row) => TRow.WriteRowsetItem(writer, row),
            static (writer, row) => TRow.WriteObject(writer, row),
            static row => TRow.GetPrimaryKey(row)));
    }

    /// <summary>The DE's customer key.</summary>
    public string Key => TRow.Schema.CustomerKey;

    /// <summary>Upserts rows by primary key.</summary>
    /// <inheritdoc cref="UpsertAsync(IAsyncEnumerable{TRow}, DataExtensionWriteOptions?, CancellationToken)"/>
    public Task<DataExtensionWriteResult> UpsertAsync(IEnumerable<TRow> rows, DataExtensionWriteOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(rows);
        return UpsertAsync(DataExtensionReads.ToAsync(rows), options, cancellationToken);
    }

    /// <summary>
    /// Upserts rows by primary key, streaming: rows are validated, batched by serialized size (≤ 5 MB) and row count,
    /// and sent with bounded concurrency. Upserts are replayed on transient failures (they are idempotent). With the
    /// sync API a batch SFMC rejects as invalid is split until the bad rows are isolated: they are reported in
    /// <see cref="DataExtensionWriteResult.FailedRows"/> and every other row is written.
    /// </summary>
    /// <param name="rows">The rows; read once.</param>
    /// <param name="options">API, progress, async polling.</param>
    /// <param name="cancellationToken">Stops reading rows and sending.</param>
    /// <exception cref="SfmcException">A failure that affects every row (unknown key, credentials, retries exhausted).</exception>
    public Task<DataExtensionWriteResult> UpsertAsync(IAsyncEnumerable<TRow> rows, DataExtensionWriteOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(rows);
        options ??= new DataExtensionWriteOptions();
        if (TRow.Schema.PrimaryKey.Count == 0)
        {
            throw new InvalidOperationException($"Data extension '{Key}' has no primary key: SFMC cannot upsert into it. Use InsertAsync.");
        }

        return _writer.WriteAsync(rows, options.Api == DataExtensionApi.Sync ? DataExtensionWriteMode.SyncUpsert : DataExtensionWriteMode.AsyncUpsert, options, cancellationToken);
    }

    /// <summary>
    /// Loads rows with a file drop, SFMC's path for millions of rows: writes them as CSV (exact field names, validated
    /// first) straight into an SFTP upload to the import folder (<see cref="SfmcClientOptions.FileTransfer"/>), creates
    /// or updates the DE's ImportDefinition, starts it and waits for its result. Takes minutes, not seconds: SFMC queues
    /// imports. Imports into one DE are serialised within the process. A row that breaks its schema stops the upload,
    /// and the partial file is deleted before anything is imported.
    /// </summary>
    /// <param name="rows">The rows; read once.</param>
    /// <param name="options">File name, ImportDefinition key, UpdateType, CSV options, timeout.</param>
    /// <param name="cancellationToken">Stops the upload or the wait (an import SFMC started goes on).</param>
    /// <returns>SFMC's counts; <see cref="SfmcImportResult.AllRowsImported"/> compares them with the rows written.</returns>
    /// <exception cref="DataExtensionValidationException">A row breaks its schema.</exception>
    /// <exception cref="SfmcFileTransferException">The upload failed (host key, credentials, connection).</exception>
    /// <exception cref="TimeoutException">The import did not finish within <see cref="FileDropOptions.Timeout"/>.</exception>
    public Task<SfmcImportResult> ImportAsync(IAsyncEnumerable<TRow> rows, FileDropOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(rows);
        options ??= new FileDropOptions();
        return FileDropImport.RunAsync<TRow>(_client, (stream, token) => DataExtensionCsv.WriteAsync(rows, stream, options.Csv, token), null, options, cancellationToken);
    }

    /// <summary>Loads rows with a file drop.</summary>
    /// <inheritdoc cref="ImportAsync(IAsyncEnumerable{TRow}, FileDropOptions?, CancellationToken)"/>
    public Task<SfmcImportResult> ImportAsync(IEnumerable<TRow> rows, FileDropOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(rows);
        return ImportAsync(DataExtensionReads.ToAsync(rows), options, cancellationToken);
    }

    /// <summary>
    /// Imports a CSV file written elsewhere into this DE: its header is checked against the DE's field names first
    /// (SFMC silently skips a column whose name does not match exactly; such a file is refused unless
    /// <see cref="FileDropOptions.AllowUnmatchedColumns"/>), then it is uploaded and imported as
    /// <see cref="ImportAsync(IAsyncEnumerable{TRow}, FileDropOptions?, CancellationToken)"/> does.
    /// </summary>
    /// <exception cref="System.IO.InvalidDataException">The header has columns that match no field.</exception>
    public Task<SfmcImportResult> ImportFileAsync(System.IO.Stream csv, FileDropOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(csv);
        return FileDropImport.RunAsync<TRow>(_client, null, csv, options ?? new FileDropOptions(), cancellationToken);
    }

    /// <summary>Inserts rows.</summary>
    /// <inheritdoc cref="InsertAsync(IAsyncEnumerable{TRow}, DataExtensionWriteOptions?, CancellationToken)"/>
    public Task<DataExtensionWriteResult> InsertAsync(IEnumerable<TRow> rows, DataExtensionWriteOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(rows);
        return InsertAsync(DataExtensionReads.ToAsync(rows), options, cancellationToken);
    }

    /// <summary>
    /// Inserts rows through the async API (<c>POST /data/v1/async/dataextensions/key:{key}/rows</c>). An insert is not
    /// idempotent: a request that may have reached SFMC (server error, timeout, dropped connection) is not replayed;
    /// its rows are reported in <see cref="DataExtensionWriteResult.FailedRows"/> as "may have been written".
    /// Throttling (429) and 503, which SFMC answers without processing, are retried.
    /// </summary>
    /// <param name="rows">The rows; read once.</param>
    /// <param name="options">Progress and async polling (<see cref="DataExtensionWriteOptions.Api"/> is ignored).</param>
    /// <param name="cancellationToken">Stops reading rows and sending.</param>
    public Task<DataExtensionWriteResult> InsertAsync(IAsyncEnumerable<TRow> rows, DataExtensionWriteOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(rows);
        return _writer.WriteAsync(rows, DataExtensionWriteMode.AsyncInsert, options ?? new DataExtensionWriteOptions(), cancellationToken);
    }

    /// <inheritdoc cref="ReadOnlyDataExtensionClient{TRow}.GetAsync"/>
    public Task<TRow?> GetAsync(DataExtensionPrimaryKey primaryKey, CancellationToken cancellationToken = default) =>
        _reads.GetAsync(primaryKey, cancellationToken);

    /// <summary>
    /// Deletes rows by primary key: a SOAP Delete of <c>DataExtensionObject</c> with Keys (SFMC documents no REST row
    /// delete). Deleting is idempotent, so failed calls are retried; each key gets its own result.
    /// </summary>
    public Task<Soap.SoapWriteResult<DataExtensionPrimaryKey>> DeleteAsync(IEnumerable<DataExtensionPrimaryKey> primaryKeys, Soap.SoapWriteOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(primaryKeys);
        var keys = primaryKeys.ToList();
        foreach (var key in keys)
        {
            ReadOnlyDataExtensionClient<TRow>.KeyValues(key);
        }

        var customerKey = TRow.Schema.CustomerKey;
        return _client.Soap.WriteCoreAsync<DataExtensionPrimaryKey, Soap.SfmcSoapClient.NoObject>("Delete", null, "DataExtensionObject", keys, (writer, key) =>
        {
            writer.WriteElement("CustomerKey"u8, customerKey);
            writer.WriteStartElement("Keys"u8);
            foreach (var (name, value) in key.Values)
            {
                writer.WriteStartElement("Key"u8);
                writer.WriteElement("Name"u8, TRow.Schema.FindField(name)!.Name);
                writer.WriteElement("Value"u8, Soap.SoapXml.Format(value));
                writer.WriteEndElement("Key"u8);
            }

            writer.WriteEndElement("Keys"u8);
        }, options, cancellationToken);
    }

    /// <inheritdoc cref="ReadOnlyDataExtensionClient{TRow}.QueryAsync"/>
    public IAsyncEnumerable<TRow> QueryAsync(int pageSize = 2500, CancellationToken cancellationToken = default) =>
        _reads.QueryAsync(pageSize, cancellationToken);
}

/// <summary>
/// Reads of a Data Extension through its generated row type: the only operations a read-only DE has (one declared in
/// <c>sfmc.json</c> as synchronized). Create it with <see cref="SfmcClient.ReadOnlyDataExtension{TRow}"/>.
/// </summary>
public sealed class ReadOnlyDataExtensionClient<TRow>
    where TRow : IReadOnlyDataExtensionRow<TRow>
{
    private readonly SfmcClient _client;

    internal ReadOnlyDataExtensionClient(SfmcClient client) => _client = client;

    /// <summary>The DE's customer key.</summary>
    public string Key => TRow.Schema.CustomerKey;

    /// <summary>
    /// Reads the row with this primary key, or null. SFMC documents keyed reads only over SOAP: a Retrieve of
    /// <c>DataExtensionObject[key]</c> filtered on every primary-key field (text keys match case-insensitively, as SFMC does).
    /// </summary>
    public async Task<TRow?> GetAsync(DataExtensionPrimaryKey primaryKey, CancellationToken cancellationToken = default)
    {
        var filter = PrimaryKeyFilter(primaryKey);
        await foreach (var row in _client.Soap.RetrieveRowsAsync<TRow>(filter, cancellationToken))
        {
            return row;
        }

        return default;
    }

    /// <summary>An AND of <c>equals</c> on each primary-key field; throws when the key does not match the schema.</summary>
    private static Soap.SoapFilter PrimaryKeyFilter(DataExtensionPrimaryKey primaryKey)
    {
        var given = KeyValues(primaryKey);
        Soap.SoapFilter? filter = null;
        foreach (var field in TRow.Schema.PrimaryKey)
        {
            var value = given[field.Name];
            Soap.SoapFilter part = new Soap.SimpleSoapFilter(field.Name, "equals", [Soap.SoapXml.Format(value)], value is DateTime);
            filter = filter is null ? part : Soap.SoapFilter.And(filter, part);
        }

        return filter!;
    }

    /// <summary>The key's values by field name; throws unless it names every primary-key field and nothing else.</summary>
    internal static Dictionary<string, object?> KeyValues(DataExtensionPrimaryKey primaryKey)
    {
        ArgumentNullException.ThrowIfNull(primaryKey);
        var schema = TRow.Schema;
        if (schema.PrimaryKey.Count == 0)
        {
            throw new InvalidOperationException($"DE '{schema.CustomerKey}' has no primary key: rows cannot be addressed by key.");
        }

        var given = primaryKey.Values.ToDictionary(v => v.Key, v => v.Value, StringComparer.OrdinalIgnoreCase);
        var missing = schema.PrimaryKey.Where(f => !given.ContainsKey(f.Name)).Select(f => f.Name).ToList();
        var extra = given.Keys.Where(k => schema.PrimaryKey.All(f => !string.Equals(f.Name, k, StringComparison.OrdinalIgnoreCase))).ToList();
        if (missing.Count > 0 || extra.Count > 0)
        {
            throw new ArgumentException(
                $"The key of DE '{schema.CustomerKey}' is ({string.Join(", ", schema.PrimaryKey.Select(f => f.Name))})" +
                (missing.Count > 0 ? $"; missing: {string.Join(", ", missing)}" : "") + (extra.Count > 0 ? $"; not key fields: {string.Join(", ", extra)}" : ""),
                nameof(primaryKey));
        }

        return given;
    }

    /// <summary>
    /// Reads every row, page by page (<c>GET /data/v1/customobjectdata/key/{key}/rowset</c>), as typed rows.
    /// </summary>
    /// <param name="pageSize">Rows per page (default 2,500).</param>
    /// <param name="cancellationToken">Stops paging.</param>
    public IAsyncEnumerable<TRow> QueryAsync(int pageSize = 2500, CancellationToken cancellationToken = default) =>
        DataExtensionReads.QueryAsync(_client, Key, pageSize, static body => DataExtensionJson.ReadRows<TRow>(body), cancellationToken);
}
