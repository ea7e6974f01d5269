using System;
using System.Buffers;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Threading;
using System.Threading.Channels;
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
public sealed record DataExtensionWriteResult(
    string DataExtensionKey,
    long RowsSubmitted,
    long RowsSucceeded,
    int Requests,
    int Retries,
    int Throttles,
    IReadOnlyList<DataExtensionRowError> FailedRows,
    TimeSpan Duration)
{
    /// <summary>True when every submitted row was written.</summary>
    public bool Succeeded => FailedRows.Count == 0 && RowsSucceeded == RowsSubmitted;
}

/// <summary>A row that was not written.</summary>
/// <param name="PrimaryKey">The row's primary key.</param>
/// <param name="Message">Why: SFMC's message (with its additionalErrors) or the validation failure.</param>
/// <param name="ErrorCode">SFMC's errorcode, when SFMC refused it.</param>
public sealed record DataExtensionRowError(DataExtensionPrimaryKey PrimaryKey, string Message, int? ErrorCode);

/// <summary>Progress of a long write, reported after each request.</summary>
/// <param name="RowsSucceeded">Rows written so far.</param>
/// <param name="RowsFailed">Rows refused so far.</param>
/// <param name="Requests">Requests answered so far.</param>
public readonly record struct DataExtensionProgress(long RowsSucceeded, long RowsFailed, int Requests);

/// <summary>Data Extension operations for a generated row type. Create it with <see cref="SfmcClient.DataExtension{TRow}"/>.</summary>
public sealed class DataExtensionClient<TRow>
    where TRow : IDataExtensionRow<TRow>
{
    private readonly SfmcClient _client;

    internal DataExtensionClient(SfmcClient client) => _client = client;

    /// <summary>The DE's customer key.</summary>
    public string Key => TRow.Schema.CustomerKey;

    /// <summary>Upserts rows by primary key (<c>POST /hub/v1/dataevents/key:{key}/rowset</c>).</summary>
    /// <inheritdoc cref="UpsertAsync(IAsyncEnumerable{TRow}, IProgress{DataExtensionProgress}?, CancellationToken)"/>
    public Task<DataExtensionWriteResult> UpsertAsync(IEnumerable<TRow> rows, IProgress<DataExtensionProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(rows);
        return UpsertAsync(ToAsync(rows), progress, cancellationToken);
    }

    /// <summary>
    /// Upserts rows by primary key (<c>POST /hub/v1/dataevents/key:{key}/rowset</c>), streaming: rows are validated,
    /// batched by serialized size (≤ 5 MB) and row count, and sent with bounded concurrency. Upserts are replayed on
    /// transient failures. A batch SFMC rejects as invalid is split until the bad rows are isolated; they are
    /// reported in <see cref="DataExtensionWriteResult.FailedRows"/> and every other row is written.
    /// </summary>
    /// <param name="rows">The rows; read once.</param>
    /// <param name="progress">Reported after each request.</param>
    /// <param name="cancellationToken">Stops reading rows and sending.</param>
    /// <exception cref="SfmcException">A failure that affects every row (unknown key, credentials, retries exhausted).</exception>
    public async Task<DataExtensionWriteResult> UpsertAsync(IAsyncEnumerable<TRow> rows, IProgress<DataExtensionProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(rows);
        if (TRow.Schema.PrimaryKey.Count == 0)
        {
            throw new InvalidOperationException($"Data extension '{Key}' has no primary key: SFMC cannot upsert into it.");
        }

        using var activity = SfmcTelemetry.ActivitySource.StartActivity("Sfmc.DataExtension.Upsert");
        activity?.SetTag("sfmc.data_extension.key", Key);
        var started = _client.Time.GetTimestamp();
        var state = new WriteState(progress);
        var batching = _client.Options.Batching;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var channel = Channel.CreateBounded<Batch>(new BoundedChannelOptions(batching.MaxConcurrentRequests) { SingleWriter = true });
        var workers = Enumerable.Range(0, batching.MaxConcurrentRequests)
            .Select(_ => Task.Run(() => SendBatchesAsync(channel.Reader, state, stop), CancellationToken.None))
            .ToArray();

        try
        {
            await ProduceAsync(rows, channel.Writer, state, stop.Token);
            channel.Writer.TryComplete();
        }
        catch (OperationCanceledException) when (state.Fatal is not null)
        {
            channel.Writer.TryComplete();
        }
        catch (Exception ex)
        {
            channel.Writer.TryComplete();
            state.SetFatal(ex, stop);
        }

        await Task.WhenAll(workers);
        if (state.Fatal is { } fatal)
        {
            activity?.SetStatus(ActivityStatusCode.Error, fatal.Message);
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(fatal).Throw();
        }

        var result = new DataExtensionWriteResult(
            Key, state.Submitted, state.Succeeded, state.Requests, state.Retries, state.Throttles, state.Failures.ToArray(), _client.Time.GetElapsedTime(started));
        _client.Telemetry.Rows.Add(result.RowsSucceeded, new KeyValuePair<string, object?>("outcome", "written"));
        _client.Telemetry.Rows.Add(result.FailedRows.Count, new KeyValuePair<string, object?>("outcome", "failed"));
        activity?.SetTag("sfmc.rows.written", result.RowsSucceeded);
        activity?.SetTag("sfmc.rows.failed", result.FailedRows.Count);
        return result;
    }

    /// <summary>
    /// Reads every row, page by page (<c>GET /data/v1/customobjectdata/key/{key}/rowset</c>), as typed rows.
    /// </summary>
    /// <param name="pageSize">Rows per page (default 2,500).</param>
    /// <param name="cancellationToken">Stops paging.</param>
    public async IAsyncEnumerable<TRow> QueryAsync(int pageSize = 2500, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(pageSize, 1);
        for (var page = 1; ; page++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"data/v1/customobjectdata/key/{Uri.EscapeDataString(Key)}/rowset?$page={page}&$pageSize={pageSize}");
            var body = await _client.SendAsync(request, new SfmcRequestContext { Replayable = true }, Key, cancellationToken);
            var rows = DataExtensionJson.ReadRows<TRow>(body);
            foreach (var row in rows)
            {
                yield return row;
            }

            var count = ReadCount(body);
            if (rows.Count < pageSize || (long)page * pageSize >= count)
            {
                yield break;
            }
        }
    }

    private static long ReadCount(byte[] body)
    {
        var reader = new Utf8JsonReader(body);
        while (reader.Read())
        {
            if (reader.TokenType == JsonTokenType.PropertyName && reader.CurrentDepth == 1 && reader.ValueTextEquals("count"u8))
            {
                reader.Read();
                return reader.TokenType == JsonTokenType.Number ? reader.GetInt64() : long.MaxValue;
            }

            if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray && reader.CurrentDepth >= 1)
            {
                reader.Skip();
            }
        }

        return long.MaxValue;
    }

    private async Task ProduceAsync(IAsyncEnumerable<TRow> rows, ChannelWriter<Batch> writer, WriteState state, CancellationToken cancellationToken)
    {
        var batching = _client.Options.Batching;
        var scratch = new ArrayBufferWriter<byte>(1024);
        using var json = new Utf8JsonWriter(scratch);
        var batch = new Batch();
        await foreach (var row in rows.WithCancellation(cancellationToken))
        {
            state.AddSubmitted();
            scratch.ResetWrittenCount();
            json.Reset(scratch);
            try
            {
                TRow.WriteRowsetItem(json, row);
                json.Flush();
            }
            catch (DataExtensionValidationException ex)
            {
                state.Fail(new DataExtensionRowError(ex.PrimaryKey, ex.Message, null));
                continue;
            }

            var size = scratch.WrittenCount;
            if (size + 2 > batching.MaxBytesPerRequest)
            {
                state.Fail(new DataExtensionRowError(TRow.GetPrimaryKey(row), $"The row is {size} bytes as JSON; one request carries at most {batching.MaxBytesPerRequest}.", null));
                continue;
            }

            if (batch.Count > 0 && (batch.Count >= batching.MaxRowsPerRequest || batch.PayloadSize(0, batch.Count) + 1 + size > batching.MaxBytesPerRequest))
            {
                await writer.WriteAsync(batch, cancellationToken);
                batch = new Batch();
            }

            batch.Add(row, scratch.WrittenSpan);
        }

        if (batch.Count > 0)
        {
            await writer.WriteAsync(batch, cancellationToken);
        }
    }

    private async Task SendBatchesAsync(ChannelReader<Batch> reader, WriteState state, CancellationTokenSource stop)
    {
        try
        {
            await foreach (var batch in reader.ReadAllAsync(stop.Token))
            {
                await SendAsync(batch, 0, batch.Count, state, stop.Token);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // Either the caller cancelled (reported after WhenAll) or another worker failed.
            if (state.Fatal is null)
            {
                state.SetFatal(new OperationCanceledException(stop.Token), stop);
            }
        }
        catch (Exception ex)
        {
            state.SetFatal(ex, stop);
        }
    }

    private async Task SendAsync(Batch batch, int start, int count, WriteState state, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"hub/v1/dataevents/key:{Uri.EscapeDataString(Key)}/rowset")
        {
            Content = new ByteArrayContent(batch.Payload(start, count)) { Headers = { ContentType = new MediaTypeHeaderValue("application/json") } },
        };
        var context = new SfmcRequestContext { Replayable = true };
        try
        {
            await _client.SendAsync(request, context, Key, cancellationToken);
            state.Sent(context, succeeded: count);
        }
        catch (SfmcValidationException ex)
        {
            state.Sent(context, succeeded: 0);
            if (count == 1)
            {
                state.Fail(new DataExtensionRowError(TRow.GetPrimaryKey(batch.Rows[start]), ex.Message, ex.ErrorCode));
                return;
            }

            // The rowset is refused as a whole: split it to write the good rows and pin down the bad ones.
            Log.SplittingBatch(_client.Logger, count, Key, ex.Message);
            var half = count / 2;
            await SendAsync(batch, start, half, state, cancellationToken);
            await SendAsync(batch, start + half, count - half, state, cancellationToken);
        }
    }

    private static async IAsyncEnumerable<TRow> ToAsync(IEnumerable<TRow> rows)
    {
        foreach (var row in rows)
        {
            yield return row;
        }

        await Task.CompletedTask;
    }

    /// <summary>Rows of one request: their serialized JSON back to back, and where each one starts.</summary>
    private sealed class Batch
    {
        private readonly ArrayBufferWriter<byte> _json = new(16 * 1024);
        private readonly List<int> _offsets = new();

        public List<TRow> Rows { get; } = new();

        public int Count => Rows.Count;

        public void Add(TRow row, ReadOnlySpan<byte> json)
        {
            Rows.Add(row);
            _offsets.Add(_json.WrittenCount);
            _json.Write(json);
        }

        /// <summary>Bytes of <c>[row,row,…]</c> for rows start..start+count.</summary>
        public int PayloadSize(int start, int count) => End(start + count - 1) - _offsets[start] + count + 1;

        public byte[] Payload(int start, int count)
        {
            var payload = new byte[PayloadSize(start, count)];
            var position = 0;
            payload[position++] = (byte)'[';
            for (var i = start; i < start + count; i++)
            {
                if (i > start)
                {
                    payload[position++] = (byte)',';
                }

                var row = _json.WrittenSpan[_offsets[i]..End(i)];
                row.CopyTo(payload.AsSpan(position));
                position += row.Length;
            }

            payload[position] = (byte)']';
            return payload;
        }

        private int End(int index) => index + 1 < _offsets.Count ? _offsets[index + 1] : _json.WrittenCount;
    }

    private sealed class WriteState(IProgress<DataExtensionProgress>? progress)
    {
        private long _submitted;
        private long _succeeded;
        private int _requests;
        private int _retries;
        private int _throttles;
        private Exception? _fatal;

        public ConcurrentQueue<DataExtensionRowError> Failures { get; } = new();

        public long Submitted => Interlocked.Read(ref _submitted);

        public long Succeeded => Interlocked.Read(ref _succeeded);

        public int Requests => Volatile.Read(ref _requests);

        public int Retries => Volatile.Read(ref _retries);

        public int Throttles => Volatile.Read(ref _throttles);

        public Exception? Fatal => Volatile.Read(ref _fatal);

        public void AddSubmitted() => Interlocked.Increment(ref _submitted);

        public void Fail(DataExtensionRowError error)
        {
            Failures.Enqueue(error);
            Report();
        }

        public void Sent(SfmcRequestContext context, long succeeded)
        {
            Interlocked.Add(ref _succeeded, succeeded);
            Interlocked.Add(ref _requests, context.Retries + 1);
            Interlocked.Add(ref _retries, context.Retries);
            Interlocked.Add(ref _throttles, context.Throttles);
            Report();
        }

        public void SetFatal(Exception exception, CancellationTokenSource stop)
        {
            Interlocked.CompareExchange(ref _fatal, exception, null);
            stop.Cancel();
        }

        private void Report() => progress?.Report(new DataExtensionProgress(Succeeded, Failures.Count, Requests));
    }
}
