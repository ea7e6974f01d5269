using System;
using System.Buffers;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.ComponentModel;
using System.Globalization;
using System.Linq;
using System.Net.Http;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;

namespace Sfmc.Client;

/// <summary>
/// Journey Builder API entry events. One contact: <c>POST /interaction/v1/events</c>. Any number of contacts:
/// <c>POST /interaction/v1/async/events</c> in requests of at most <see cref="MaxMembersPerRequest"/> members (SFMC
/// answers 400 to a 101st), with SFMC's per-member errors mapped back to the caller's members. Journeys declared in
/// <c>sfmc.json</c> get typed members on this class (<c>client.Journeys.Welcome.EnterAsync(…)</c>).
/// </summary>
/// <remarks>
/// Entry events are not idempotent (SFMC accepts the same contact twice, even in one request), so a request that may
/// have reached SFMC is never replayed: its members are reported as "outcome unknown". Throttling (429) is retried.
/// </remarks>
public sealed class JourneyClient
{
    /// <summary>SFMC's limit of members in one <c>/interaction/v1/async/events</c> request.</summary>
    public const int MaxMembersPerRequest = 100;

    private readonly SfmcClient _client;

    internal JourneyClient(SfmcClient client) => _client = client;

    /// <summary>
    /// Enters one contact into the journeys of <paramref name="eventDefinitionKey"/>, synchronously
    /// (<c>POST /interaction/v1/events</c>), and returns SFMC's eventInstanceId. A constant key is checked at compile time
    /// against <c>sfmc.json</c>.
    /// </summary>
    public Task<string> EnterAsync([SfmcKey(SfmcKeyKind.Journey)] string eventDefinitionKey, string contactKey, IReadOnlyDictionary<string, object?>? data = null, CancellationToken cancellationToken = default) =>
        EnterCoreAsync(eventDefinitionKey, contactKey, data, WriteDictionary, cancellationToken);

    /// <summary>
    /// Enters any number of contacts (<c>POST /interaction/v1/async/events</c>, at most 100 per request, requests in
    /// parallel up to <see cref="SfmcBatchingOptions.MaxConcurrentRequests"/>). Per-member errors come back in the result.
    /// </summary>
    public Task<JourneyEntryResult> EnterAsync([SfmcKey(SfmcKeyKind.Journey)] string eventDefinitionKey, IEnumerable<JourneyMember> members, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(members);
        return EnterCoreAsync(eventDefinitionKey, members.Select(m => new JourneyMember<IReadOnlyDictionary<string, object?>?>(m.ContactKey, m.Data)), WriteDictionary, cancellationToken);
    }

    internal async Task<string> EnterCoreAsync<TData>(string eventDefinitionKey, string contactKey, TData data, Action<Utf8JsonWriter, TData> writeData, CancellationToken cancellationToken)
    {
        CheckKey(eventDefinitionKey);
        ArgumentException.ThrowIfNullOrEmpty(contactKey);
        var body = SfmcClient.Json(writer =>
        {
            writer.WriteStartObject();
            writer.WriteString("ContactKey"u8, contactKey);
            writer.WriteString("EventDefinitionKey"u8, eventDefinitionKey);
            writer.WritePropertyName("Data"u8);
            writeData(writer, data);
            writer.WriteEndObject();
        });

        using var activity = SfmcTelemetry.ActivitySource.StartActivity("Sfmc.Journey.Enter");
        activity?.SetTag("sfmc.journey.event_definition_key", eventDefinitionKey);
        using var request = new HttpRequestMessage(HttpMethod.Post, "interaction/v1/events") { Content = SfmcClient.JsonContent(body) };
        var response = await _client.SendAsync(request, new SfmcRequestContext { Replayable = false }, eventDefinitionKey, cancellationToken);
        return SfmcClient.Read(request, response, static body =>
        {
            using var document = JsonDocument.Parse(body);
            return document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("eventInstanceId", out var id)
                ? id.GetString() ?? ""
                : "";
        });
    }

    internal async Task<JourneyEntryResult> EnterCoreAsync<TData>(string eventDefinitionKey, IEnumerable<JourneyMember<TData>> members, Action<Utf8JsonWriter, TData> writeData, CancellationToken cancellationToken)
    {
        CheckKey(eventDefinitionKey);
        ArgumentNullException.ThrowIfNull(members);
        using var activity = SfmcTelemetry.ActivitySource.StartActivity("Sfmc.Journey.EnterBatch");
        activity?.SetTag("sfmc.journey.event_definition_key", eventDefinitionKey);
        var started = _client.Time.GetTimestamp();
        var state = new BatchState();
        var chunks = Group(members, writeData, state);
        await Parallel.ForEachAsync(
            chunks,
            new ParallelOptions { MaxDegreeOfParallelism = _client.Options.Batching.MaxConcurrentRequests, CancellationToken = cancellationToken },
            async (chunk, ct) => await SendChunkAsync(eventDefinitionKey, chunk, state, ct));

        var errors = state.Errors.OrderBy(e => e.Index).ToArray();
        var result = new JourneyEntryResult(
            eventDefinitionKey, state.Submitted, state.Submitted - errors.Length, errors, state.Requests, state.Retries, state.Throttles,
            state.RequestIds.OrderBy(r => r.First).Select(r => r.Id).ToArray(), _client.Time.GetElapsedTime(started));
        activity?.SetTag("sfmc.journey.queued", result.Queued);
        activity?.SetTag("sfmc.journey.failed", errors.Length);
        return result;
    }

    /// <summary>Members in order, written once, grouped 100 to a request; invalid members are errors, not requests.</summary>
    private static IEnumerable<Chunk> Group<TData>(IEnumerable<JourneyMember<TData>> members, Action<Utf8JsonWriter, TData> writeData, BatchState state)
    {
        var chunk = new Chunk();
        var buffer = new ArrayBufferWriter<byte>(256);
        using var writer = new Utf8JsonWriter(buffer);
        var index = 0;
        foreach (var member in members)
        {
            var at = index++;
            state.Submitted = index;
            if (string.IsNullOrEmpty(member.ContactKey))
            {
                state.Errors.Add(new JourneyMemberError(at, member.ContactKey ?? "", null, "A contact key is required."));
                continue;
            }

            buffer.ResetWrittenCount();
            writer.Reset(buffer);
            try
            {
                writer.WriteStartObject();
                writer.WriteString("contactKey"u8, member.ContactKey);
                writer.WritePropertyName("data"u8);
                writeData(writer, member.Data);
                writer.WriteEndObject();
                writer.Flush();
            }
            catch (DataExtensionValidationException ex)
            {
                state.Errors.Add(new JourneyMemberError(at, member.ContactKey, null, ex.Message));
                continue;
            }

            chunk.Add(at, member.ContactKey, buffer.WrittenSpan);
            if (chunk.Count == MaxMembersPerRequest)
            {
                yield return chunk;
                chunk = new Chunk();
            }
        }

        if (chunk.Count > 0)
        {
            yield return chunk;
        }
    }

    private async Task SendChunkAsync(string eventDefinitionKey, Chunk chunk, BatchState state, CancellationToken cancellationToken)
    {
        var body = SfmcClient.Json(writer =>
        {
            writer.WriteStartObject();
            writer.WriteString("eventDefinitionKey"u8, eventDefinitionKey);
            writer.WriteStartArray("members"u8);
            foreach (var member in chunk.Members)
            {
                writer.WriteRawValue(member.Json.Span, skipInputValidation: true);
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        });

        using var request = new HttpRequestMessage(HttpMethod.Post, "interaction/v1/async/events") { Content = SfmcClient.JsonContent(body) };
        var context = new SfmcRequestContext { Replayable = false };
        byte[] response;
        try
        {
            response = await _client.SendAsync(request, context, eventDefinitionKey, cancellationToken);
        }
        catch (SfmcValidationException ex)
        {
            state.Sent(context);
            state.FailAll(chunk, ex.ErrorCode?.ToString(CultureInfo.InvariantCulture), ex.Message);
            return;
        }
        catch (SfmcTransientException ex)
        {
            // Not replayed: the request may have queued its members. Report, do not guess.
            state.Sent(context);
            state.FailAll(chunk, null, "The members may or may not have been queued (entry events are not replayed: SFMC would enter a contact twice): " + ex.Message);
            return;
        }

        state.Sent(context);
        string? id;
        List<JourneyMemberError> errors;
        try
        {
            (id, errors) = SfmcClient.Read(request, response, body => ReadChunkAnswer(body, chunk));
        }
        catch (SfmcResponseFormatException ex)
        {
            state.FailAll(chunk, null, "The members may or may not have been queued (SFMC's answer could not be read): " + ex.Message);
            return;
        }

        if (id is not null)
        {
            state.RequestIds.Add((chunk.Members[0].Index, id));
        }

        foreach (var error in errors)
        {
            state.Errors.Add(error);
        }
    }

    /// <summary>The requestId of an async entry answer, and the members it did not queue.</summary>
    private static (string? RequestId, List<JourneyMemberError> Errors) ReadChunkAnswer(byte[] body, Chunk chunk)
    {
        using var document = JsonDocument.Parse(body);
        var root = document.RootElement;
        var id = root.TryGetProperty("requestId", out var requestId) ? requestId.GetString() : null;
        var errors = new List<JourneyMemberError>();

        // SFMC returns the members in the order it received them; an errorcode marks one that was not queued.
        if (root.TryGetProperty("members", out var answered) && answered.ValueKind == JsonValueKind.Array)
        {
            var i = 0;
            foreach (var member in answered.EnumerateArray())
            {
                if (i < chunk.Count && member.ValueKind == JsonValueKind.Object && member.TryGetProperty("errorcode", out var code))
                {
                    var message = member.TryGetProperty("message", out var m) ? m.GetString() ?? "" : "";
                    errors.Add(new JourneyMemberError(chunk.Members[i].Index, chunk.Members[i].ContactKey, code.ValueKind == JsonValueKind.String ? code.GetString() : code.GetRawText(), message));
                }

                i++;
            }
        }

        return (id, errors);
    }

    internal static void CheckKey(string eventDefinitionKey)
    {
        ArgumentException.ThrowIfNullOrEmpty(eventDefinitionKey);
        if (eventDefinitionKey.Contains('.', StringComparison.Ordinal))
        {
            throw new ArgumentException($"EventDefinitionKey '{eventDefinitionKey}' contains a period, which SFMC does not allow in an event definition key.", nameof(eventDefinitionKey));
        }
    }

    /// <summary>Writes event data given as field name → value (null: an empty object).</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public static void WriteDictionary(Utf8JsonWriter writer, IReadOnlyDictionary<string, object?>? data)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStartObject();
        if (data is not null)
        {
            foreach (var (name, value) in data)
            {
                DataExtensionRowsClient.WriteValue(writer, name, value);
            }
        }

        writer.WriteEndObject();
    }

    private sealed class Chunk
    {
        public List<(int Index, string ContactKey, ReadOnlyMemory<byte> Json)> Members { get; } = new(MaxMembersPerRequest);

        public int Count => Members.Count;

        public void Add(int index, string contactKey, ReadOnlySpan<byte> json) => Members.Add((index, contactKey, json.ToArray()));
    }

    private sealed class BatchState
    {
        private int _requests;
        private int _retries;
        private int _throttles;

        public int Submitted { get; set; }

        public ConcurrentBag<JourneyMemberError> Errors { get; } = new();

        public ConcurrentBag<(int First, string Id)> RequestIds { get; } = new();

        public int Requests => Volatile.Read(ref _requests);

        public int Retries => Volatile.Read(ref _retries);

        public int Throttles => Volatile.Read(ref _throttles);

        public void Sent(SfmcRequestContext context)
        {
            Interlocked.Increment(ref _requests);
            Interlocked.Add(ref _retries, context.Retries);
            Interlocked.Add(ref _throttles, context.Throttles);
        }

        public void FailAll(Chunk chunk, string? errorCode, string message)
        {
            foreach (var member in chunk.Members)
            {
                Errors.Add(new JourneyMemberError(member.Index, member.ContactKey, errorCode, message));
            }
        }
    }
}

/// <summary>A contact to enter into a journey, with its event data (field name → value).</summary>
/// <param name="ContactKey">The contact (subscriber) key.</param>
/// <param name="Data">The entry event's data; null sends an empty object.</param>
public sealed record JourneyMember(string ContactKey, IReadOnlyDictionary<string, object?>? Data = null);

/// <summary>A contact to enter into a declared journey, with typed event data.</summary>
/// <param name="ContactKey">The contact (subscriber) key.</param>
/// <param name="Data">The entry event's data.</param>
public readonly record struct JourneyMember<TData>(string ContactKey, TData Data);

/// <summary>A member SFMC did not queue (or that was never sent), by its position in the caller's sequence.</summary>
/// <param name="Index">The member's zero-based position in the sequence passed in.</param>
/// <param name="ContactKey">The member's contact key.</param>
/// <param name="ErrorCode">SFMC's errorcode, when it gave one.</param>
/// <param name="Message">SFMC's message, or why the member was not sent.</param>
public sealed record JourneyMemberError(int Index, string ContactKey, string? ErrorCode, string Message);

/// <summary>What a batch journey entry did.</summary>
/// <param name="EventDefinitionKey">The entry event's key.</param>
/// <param name="Submitted">Members passed in.</param>
/// <param name="Queued">Members SFMC queued.</param>
/// <param name="Errors">Members not queued, in input order.</param>
/// <param name="Requests">HTTP requests sent (retries not counted).</param>
/// <param name="Retries">Retries of those requests.</param>
/// <param name="Throttles">429 answers seen.</param>
/// <param name="RequestIds">SFMC's requestId of each request, in input order (for <c>/interaction/v1/async/events/status</c>).</param>
/// <param name="Duration">Wall time of the whole batch.</param>
public sealed record JourneyEntryResult(
    string EventDefinitionKey,
    int Submitted,
    int Queued,
    IReadOnlyList<JourneyMemberError> Errors,
    int Requests,
    int Retries,
    int Throttles,
    IReadOnlyList<string> RequestIds,
    TimeSpan Duration);

/// <summary>
/// A journey declared in <c>sfmc.json</c>; the generator derives one class per journey with typed event data
/// (the entry DE's row type or a generated data record).
/// </summary>
/// <typeparam name="TData">The entry event's data.</typeparam>
public abstract class Journey<TData>
{
    private readonly JourneyClient _journeys;

    /// <summary>Binds a declared journey to a client.</summary>
    protected Journey(JourneyClient journeys, string eventDefinitionKey)
    {
        ArgumentNullException.ThrowIfNull(journeys);
        JourneyClient.CheckKey(eventDefinitionKey);
        _journeys = journeys;
        Key = eventDefinitionKey;
    }

    /// <summary>The entry event's EventDefinitionKey.</summary>
    public string Key { get; }

    /// <summary>Enters one contact synchronously and returns SFMC's eventInstanceId.</summary>
    public Task<string> EnterAsync(string contactKey, TData data, CancellationToken cancellationToken = default) =>
        _journeys.EnterCoreAsync(Key, contactKey, data, WriteData, cancellationToken);

    /// <summary>Enters any number of contacts, 100 per request; per-member errors come back in the result.</summary>
    public Task<JourneyEntryResult> EnterAsync(IEnumerable<JourneyMember<TData>> members, CancellationToken cancellationToken = default) =>
        _journeys.EnterCoreAsync(Key, members, WriteData, cancellationToken);

    /// <summary>Writes the event data as a JSON object (generated).</summary>
    protected abstract void WriteData(Utf8JsonWriter writer, TData data);
}
