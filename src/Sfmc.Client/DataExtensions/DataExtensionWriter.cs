using System;
using System.Buffers;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Net.Http;
using System.Text.Json;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;

namespace Sfmc.Client;

/// <summary>How a generic row is written as JSON and identified, so typed and untyped rows share one writer.</summary>
internal sealed class RowCodec<TRow>(Action<Utf8JsonWriter, TRow> writeRowsetItem, Action<Utf8JsonWriter, TRow> writeObject, Func<TRow, DataExtensionPrimaryKey> getPrimaryKey)
{
    /// <summary>Validates and writes <c>{"keys":{…},"values":{…}}</c>.</summary>
    public Action<Utf8JsonWriter, TRow> WriteRowsetItem { get; } = writeRowsetItem;

    /// <summary>Validates and writes a flat object.</summary>
    public Action<Utf8JsonWriter, TRow> WriteObject { get; } = writeObject;

    public Func<TRow, DataExtensionPrimaryKey> GetPrimaryKey { get; } = getPrimaryKey;
}

internal enum DataExtensionWriteMode
{
    SyncUpsert,
    AsyncUpsert,
    AsyncInsert,
}

/// <summary>
/// The write machinery behind <see cref="DataExtensionClient{TRow}"/> and <see cref="DataExtensionRowsClient"/>:
/// streaming producer, size/count batches, bounded concurrency, bisection of rejected sync batches, async API polling.
/// </summary>
internal sealed class DataExtensionWriter<TRow>(SfmcClient client, string key, RowCodec<TRow> codec)
{
    private readonly SfmcClient _client = client;
    private readonly RowCodec<TRow> _codec = codec;

    private string Key { get; } = key;

    public async Task<DataExtensionWriteResult> WriteAsync(IAsyncEnumerable<TRow> rows, DataExtensionWriteMode mode, DataExtensionWriteOptions options, CancellationToken cancellationToken)
    {
        using var activity = SfmcTelemetry.ActivitySource.StartActivity(mode == DataExtensionWriteMode.AsyncInsert ? "Sfmc.DataExtension.Insert" : "Sfmc.DataExtension.Upsert");
        activity?.SetTag("sfmc.data_extension.key", Key);
        activity?.SetTag("sfmc.api", mode == DataExtensionWriteMode.SyncUpsert ? "sync" : "async");
        var started = _client.Time.GetTimestamp();
        var state = new WriteState(options.Progress);
        var batching = _client.Options.Batching;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var channel = Channel.CreateBounded<Batch>(new BoundedChannelOptions(batching.MaxConcurrentRequests) { SingleWriter = true });
        var workers = Enumerable.Range(0, batching.MaxConcurrentRequests)
            .Select(_ => Task.Run(() => SendBatchesAsync(channel.Reader, mode, options, state, stop), CancellationToken.None))
            .ToArray();

        try
        {
            await ProduceAsync(rows, mode, channel.Writer, state, stop.Token);
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
            Key, state.Submitted, state.Succeeded, state.Requests, state.Retries, state.Throttles, state.Failures.ToArray(),
            _client.Time.GetElapsedTime(started), state.Pending, state.RequestIds.ToArray());
        _client.Telemetry.Rows.Add(result.RowsSucceeded, new KeyValuePair<string, object?>("outcome", "written"));
        _client.Telemetry.Rows.Add(result.FailedRows.Count, new KeyValuePair<string, object?>("outcome", "failed"));
        activity?.SetTag("sfmc.rows.written", result.RowsSucceeded);
        activity?.SetTag("sfmc.rows.failed", result.FailedRows.Count);
        return result;
    }

    private async Task ProduceAsync(IAsyncEnumerable<TRow> rows, DataExtensionWriteMode mode, ChannelWriter<Batch> writer, WriteState state, CancellationToken cancellationToken)
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
                if (mode == DataExtensionWriteMode.SyncUpsert)
                {
                    _codec.WriteRowsetItem(json, row);
                }
                else
                {
                    _codec.WriteObject(json, row);
                }

                json.Flush();
            }
            catch (DataExtensionValidationException ex)
            {
                state.Fail(new DataExtensionRowError(ex.PrimaryKey, ex.Message, null));
                continue;
            }

            var size = scratch.WrittenCount;
            if (size + Batch.EnvelopeBytes > batching.MaxBytesPerRequest)
            {
                state.Fail(new DataExtensionRowError(_codec.GetPrimaryKey(row), $"The row is {size} bytes as JSON; one request carries at most {batching.MaxBytesPerRequest}.", null));
                continue;
            }

            if (batch.Count > 0 && (batch.Count >= batching.MaxRowsPerRequest || batch.PayloadSize(0, batch.Count, async: mode != DataExtensionWriteMode.SyncUpsert) + 1 + size > batching.MaxBytesPerRequest))
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

    private async Task SendBatchesAsync(ChannelReader<Batch> reader, DataExtensionWriteMode mode, DataExtensionWriteOptions options, WriteState state, CancellationTokenSource stop)
    {
        try
        {
            await foreach (var batch in reader.ReadAllAsync(stop.Token))
            {
                if (mode == DataExtensionWriteMode.SyncUpsert)
                {
                    await SendAsync(batch, 0, batch.Count, state, stop.Token);
                }
                else
                {
                    await SendQueuedAsync(batch, mode, options, state, stop.Token);
                }
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
            Content = SfmcClient.JsonContent(batch.Payload(start, count, async: false)),
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
                state.Fail(new DataExtensionRowError(_codec.GetPrimaryKey(batch.Rows[start]), ex.Message, ex.ErrorCode));
                return;
            }

            // The rowset is refused as a whole: split it to write the good rows and pin down the bad ones.
            Log.SplittingBatch(_client.Logger, count, Key, ex.Message);
            var half = count / 2;
            await SendAsync(batch, start, half, state, cancellationToken);
            await SendAsync(batch, start + half, count - half, state, cancellationToken);
        }
    }

    /// <summary>The async API: queue the batch, then (optionally) poll its status and read its errors.</summary>
    private async Task SendQueuedAsync(Batch batch, DataExtensionWriteMode mode, DataExtensionWriteOptions options, WriteState state, CancellationToken cancellationToken)
    {
        var insert = mode == DataExtensionWriteMode.AsyncInsert;
        using var request = new HttpRequestMessage(insert ? HttpMethod.Post : HttpMethod.Put, $"data/v1/async/dataextensions/key:{Uri.EscapeDataString(Key)}/rows")
        {
            Content = SfmcClient.JsonContent(batch.Payload(0, batch.Count, async: true)),
        };
        var context = new SfmcRequestContext { Replayable = !insert };
        byte[] answer;
        try
        {
            answer = await _client.SendAsync(request, context, Key, cancellationToken);
            state.Sent(context, succeeded: 0);
        }
        catch (SfmcValidationException ex)
        {
            state.Sent(context, succeeded: 0);
            FailAll(batch, state, ex.Message, ex.ErrorCode, null);
            return;
        }
        catch (SfmcTransientException ex) when (insert)
        {
            // Not replayed: the insert may have reached SFMC. Report, do not guess.
            state.Sent(context, succeeded: 0);
            FailAll(batch, state, "The insert may or may not have been written (not replayed, inserts are not idempotent): " + ex.Message, null, null);
            return;
        }

        string requestId;
        try
        {
            requestId = SfmcClient.Read(request, answer, static body =>
            {
                using var document = JsonDocument.Parse(body);
                return document.RootElement.TryGetProperty("requestId", out var id) ? id.GetString() ?? "" : "";
            });
        }
        catch (SfmcResponseFormatException ex)
        {
            FailAll(batch, state, "The rows may or may not have been written (SFMC's answer named no request to follow): " + ex.Message, null, null);
            return;
        }

        state.AddRequestId(requestId);
        if (!options.WaitForCompletion)
        {
            state.AddPending(batch.Count);
            return;
        }

        var deadline = _client.Time.GetUtcNow() + options.CompletionTimeout;
        while (true)
        {
            using var status = new HttpRequestMessage(HttpMethod.Get, $"data/v1/async/{Uri.EscapeDataString(requestId)}/status");
            var statusContext = new SfmcRequestContext { Replayable = true };
            var statusBody = await _client.SendAsync(status, statusContext, null, cancellationToken);
            state.Sent(statusContext, succeeded: 0);
            bool pending, hasErrors;
            List<DataExtensionRowError> errors;
            try
            {
                (pending, hasErrors) = SfmcClient.Read(status, statusBody, ReadStatus);
                errors = !pending && hasErrors ? await ReadResultsAsync(requestId, state, cancellationToken) : [];
            }
            catch (SfmcResponseFormatException ex)
            {
                FailAll(batch, state, $"The outcome of async request {requestId} is unknown: " + ex.Message, null, requestId);
                return;
            }

            if (!pending)
            {
                foreach (var error in errors)
                {
                    state.Fail(error);
                }

                state.AddSucceeded(Math.Max(0, batch.Count - errors.Count));
                return;
            }

            if (_client.Time.GetUtcNow() >= deadline)
            {
                // Awaited but unconfirmed: reported as failed (outcome unknown), not also as pending.
                FailAll(batch, state, $"SFMC had not finished async request {requestId} after {options.CompletionTimeout}; its outcome is unknown.", null, requestId);
                return;
            }

            await Task.Delay(options.PollInterval, _client.Time, cancellationToken);
        }
    }

    private static (bool Pending, bool HasErrors) ReadStatus(byte[] body)
    {
        using var document = JsonDocument.Parse(body);
        var status = document.RootElement.TryGetProperty("status", out var s) ? s : document.RootElement;
        var requestStatus = status.TryGetProperty("requestStatus", out var r) ? r.GetString() : null;
        var hasErrors = status.TryGetProperty("hasErrors", out var h) && h.ValueKind == JsonValueKind.True;
        // SFMC's pages disagree ("Complete" vs "Completed"); anything but Pending is final.
        var pending = string.Equals(requestStatus, "Pending", StringComparison.OrdinalIgnoreCase);
        return (pending, hasErrors || string.Equals(requestStatus, "Error", StringComparison.OrdinalIgnoreCase));
    }

    private async Task<List<DataExtensionRowError>> ReadResultsAsync(string requestId, WriteState state, CancellationToken cancellationToken)
    {
        var errors = new List<DataExtensionRowError>();
        for (var page = 1; ; page++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"data/v1/async/{Uri.EscapeDataString(requestId)}/results?$page={page}");
            var context = new SfmcRequestContext { Replayable = true };
            var body = await _client.SendAsync(request, context, null, cancellationToken);
            state.Sent(context, succeeded: 0);
            var (items, count) = SfmcClient.Read(request, body, body =>
            {
                using var document = JsonDocument.Parse(body);
                var root = document.RootElement;
                var items = root.TryGetProperty("items", out var i) && i.ValueKind == JsonValueKind.Array ? i.EnumerateArray().ToList() : new List<JsonElement>();
                foreach (var item in items.Where(item => !item.TryGetProperty("status", out var st) || !string.Equals(st.GetString(), "OK", StringComparison.OrdinalIgnoreCase)))
                {
                    var code = item.TryGetProperty("errorCode", out var c) ? c.ToString() : null;
                    var message = item.TryGetProperty("message", out var m) ? m.GetString() : null;
                    errors.Add(new DataExtensionRowError(new DataExtensionPrimaryKey(), $"{code}: {message}", null, requestId));
                }

                return (items.Count, root.TryGetProperty("count", out var n) && n.TryGetInt32(out var total) ? total : 0);
            });
            if (items == 0 || errors.Count >= count)
            {
                return errors;
            }
        }
    }

    private void FailAll(Batch batch, WriteState state, string message, int? errorCode, string? requestId)
    {
        foreach (var row in batch.Rows)
        {
            state.Fail(new DataExtensionRowError(_codec.GetPrimaryKey(row), message, errorCode, requestId));
        }
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

        /// <summary>The largest envelope around the rows: <c>{"items":[…]}</c>.</summary>
        public const int EnvelopeBytes = 12;

        /// <summary>Bytes of <c>[row,row,…]</c> (sync) or <c>{"items":[row,…]}</c> (async) for rows start..start+count.</summary>
        public int PayloadSize(int start, int count, bool async) =>
            End(start + count - 1) - _offsets[start] + count + 1 + (async ? EnvelopeBytes - 2 : 0);

        public byte[] Payload(int start, int count, bool async)
        {
            var payload = new byte[PayloadSize(start, count, async)];
            var position = 0;
            if (async)
            {
                "{\"items\":"u8.CopyTo(payload);
                position = 9;
            }

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

            payload[position++] = (byte)']';
            if (async)
            {
                payload[position] = (byte)'}';
            }

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
        private long _pending;

        public ConcurrentQueue<DataExtensionRowError> Failures { get; } = new();

        public ConcurrentQueue<string> RequestIds { get; } = new();

        public long Pending => Interlocked.Read(ref _pending);

        public void AddPending(long rows) => Interlocked.Add(ref _pending, rows);

        public void AddSucceeded(long rows)
        {
            Interlocked.Add(ref _succeeded, rows);
            Report();
        }

        public void AddRequestId(string id) => RequestIds.Enqueue(id);

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

        private void Report() => progress?.Report(new DataExtensionProgress(Succeeded, Failures.Count, Requests) { Retries = Retries, Throttles = Throttles });
    }
}
