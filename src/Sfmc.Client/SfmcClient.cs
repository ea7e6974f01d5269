using System;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using Polly.Timeout;

namespace Sfmc.Client;

/// <summary>
/// A client for one SFMC connection (installed package + business unit). Get it from DI (<c>AddSfmc</c>), or
/// <see cref="ISfmcClientFactory"/> for named clients.
/// </summary>
public sealed class SfmcClient
{
    internal SfmcClient(string name, Func<HttpClient> http, SfmcClientOptions options, TimeProvider time, SfmcTelemetry telemetry, ILogger logger, System.Collections.Concurrent.ConcurrentDictionary<string, SemaphoreSlim> importGates)
    {
        _importGates = importGates;
        Name = name;
        Http = http;
        Options = options;
        Time = time;
        Telemetry = telemetry;
        Logger = logger;
    }

    /// <summary>The client's name ("" for the default client).</summary>
    public string Name { get; }

    /// <summary>A client per request from IHttpClientFactory (its handlers rotate); never held.</summary>
    internal Func<HttpClient> Http { get; }

    internal SfmcClientOptions Options { get; }

    internal TimeProvider Time { get; }

    internal SfmcTelemetry Telemetry { get; }

    internal ILogger Logger { get; }

    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, SemaphoreSlim> _importGates;

    /// <summary>The gate that keeps imports into one DE of this tenant from overlapping within the process.</summary>
    internal SemaphoreSlim ImportGate(string dataExtensionKey) =>
        _importGates.GetOrAdd($"{Options.AuthBaseUri}|{Options.AccountId}|{dataExtensionKey}", static _ => new SemaphoreSlim(1, 1));

    /// <summary>Operations on the Data Extension of a generated row type.</summary>
    public DataExtensionClient<TRow> DataExtension<TRow>()
        where TRow : IDataExtensionRow<TRow> => new(this);

    /// <summary>
    /// Reads of the Data Extension of a generated row type, including read-only DEs (synchronized DEs declared in
    /// <c>sfmc.json</c>, whose rows have no writers: <see cref="DataExtension{TRow}"/> does not accept them).
    /// </summary>
    public ReadOnlyDataExtensionClient<TRow> ReadOnlyDataExtension<TRow>()
        where TRow : IReadOnlyDataExtensionRow<TRow> => new(this);

    /// <summary>
    /// Operations on a Data Extension by key, without a generated row type. A constant key is checked at compile time
    /// against the project's DE files. SFMC keys are case-sensitive.
    /// </summary>
    public DataExtensionRowsClient DataExtension([SfmcKey(SfmcKeyKind.DataExtension)] string key)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        return new DataExtensionRowsClient(this, key);
    }

    /// <summary>Journey Builder entry events; journeys declared in <c>sfmc.json</c> appear here as typed members.</summary>
    public JourneyClient Journeys => new(this);

    /// <summary>Transactional Messaging: <c>client.Transactional.Email</c> and <c>.Sms</c>, with retry-safe messageKeys and batches of up to 2,000.</summary>
    public TransactionalClient Transactional => new(this);

    /// <summary>Triggered sends through Active definitions; those declared in <c>sfmc.json</c> appear here as typed members.</summary>
    public TriggeredSendClient TriggeredSends => new(this);

    /// <summary>MobileConnect outbound SMS; messages declared in <c>sfmc.json</c> appear here as members.</summary>
    public MobileConnectClient MobileConnect => new(this);

    /// <summary>
    /// SFMC REST operations generated from the OpenAPI spec (transactional email and SMS, triggered sends, MobileConnect,
    /// async status, …) as extension methods: <c>client.Rest.GetEmailSendStatusAsync(messageKey)</c>.
    /// </summary>
    public global::Sfmc.Client.Rest.SfmcRestClient Rest => new(this);

    /// <summary>File-drop imports: ImportDefinitions, starting them and waiting for their results.</summary>
    public ImportClient Imports => new(this);

    /// <summary>Automation Studio: an automation's status, and starting one by its key.</summary>
    public AutomationClient Automations => new(this);

    /// <summary>Uploads to the account's SFTP (<see cref="SfmcClientOptions.FileTransfer"/>).</summary>
    public FileTransferClient FileTransfer => new(this);

    /// <summary>SFMC's SOAP API: typed Retrieve with paging, Create/Update/Delete/Upsert, DE rows over SOAP.</summary>
    public global::Sfmc.Client.Soap.SfmcSoapClient Soap => new(this);

    /// <summary>The UTF-8 JSON that <paramref name="write"/> writes.</summary>
    internal static byte[] Json(Action<Utf8JsonWriter> write)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(1024);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            write(writer);
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>A JSON request body.</summary>
    internal static ByteArrayContent JsonContent(byte[] body) =>
        new(body) { Headers = { ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json") } };

    /// <summary>Sends a request through the pipeline and maps a failure to a typed <see cref="SfmcException"/>.</summary>
    internal async Task<byte[]> SendAsync(HttpRequestMessage request, SfmcRequestContext context, string? key, CancellationToken cancellationToken)
    {
        request.Options.Set(SfmcRequestContext.Key, context);
        context.Started = Time.GetTimestamp();
        HttpResponseMessage response;
        try
        {
            // The body is already in memory (SfmcResponseBufferHandler reads it inside the attempt): HttpClient must not
            // buffer it a second time.
            response = await Http().SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        }
        catch (Exception ex) when (ex is HttpRequestException or TimeoutRejectedException && !cancellationToken.IsCancellationRequested)
        {
            var replay = context.Replayable
                ? $"after {context.Retries + 1} attempts"
                : "and was not replayed because it may have reached SFMC (not idempotent); check before sending it again";
            throw new SfmcTransientException($"SFMC {request.Method} /{RequestPath(request)} failed {replay}: {ex.Message}", null, ex);
        }

        using (response)
        {
            var body = await SfmcBufferedContent.ReadBytesAsync(response.Content, cancellationToken);
            if (response.IsSuccessStatusCode)
            {
                return body;
            }

            throw ToException(request, response, body, key, context);
        }
    }

    private static SfmcException ToException(HttpRequestMessage request, HttpResponseMessage response, byte[] body, string? key, SfmcRequestContext context)
    {
        if (request.Content is global::Sfmc.Client.Soap.SoapEnvelopeContent soap && SfmcAnswer.SoapFaultOf(request, response) is { } fault)
        {
            var retried = context.Retries > 0 ? $" after {context.Retries + 1} attempts" : "";
            return new global::Sfmc.Client.Soap.SfmcSoapFaultException($"SFMC SOAP {soap.Action} answered {(int)response.StatusCode} with a fault{retried}: {SfmcException.Clip(fault.FaultString)}" + (fault.ApiCode is { } code ? $" (code {code})" : ""), fault, response.StatusCode);
        }

        string? message = null;
        int? errorCode = null;
        var additional = new List<string>();
        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            if (root.ValueKind == JsonValueKind.Object)
            {
                message = root.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString() : null;
                errorCode = root.TryGetProperty("errorcode", out var c) && c.TryGetInt32(out var code) ? code : null;
                if (root.TryGetProperty("additionalErrors", out var errors) && errors.ValueKind == JsonValueKind.Array)
                {
                    additional.AddRange(errors.EnumerateArray().Select(e => e.ValueKind == JsonValueKind.Object && e.TryGetProperty("message", out var em) ? em.ToString() : e.ToString()));
                }
            }
        }
        catch (Exception ex) when (IsUnreadable(ex))
        {
            // An error body of another shape: the status alone decides the exception.
        }

        var status = response.StatusCode;
        var what = $"SFMC {request.Method} /{RequestPath(request)} answered {(int)status}";
        var detail = message is null ? "" : $": {SfmcException.Clip(message)}" + (errorCode is null ? "" : $" (errorcode {errorCode})");
        if (additional.Count > 0)
        {
            detail += " — " + SfmcException.Clip(string.Join("; ", additional));
        }

        return status switch
        {
            HttpStatusCode.BadRequest => new SfmcValidationException(what + detail, errorCode, additional),
            HttpStatusCode.Unauthorized => new SfmcAuthenticationException(what + " even with a freshly obtained token" + detail, status),
            HttpStatusCode.Forbidden => new SfmcAuthorizationException(what + detail, MissingScope(message), errorCode),
            HttpStatusCode.NotFound => new SfmcNotFoundException(what + detail + (key is null ? "" : $" (key '{key}'; external keys are case-sensitive)"), key, errorCode),
            HttpStatusCode.TooManyRequests => new SfmcRateLimitedException($"{what} after {context.Retries + 1} attempts{detail}", response.Headers.RetryAfter?.Delta, errorCode),
            >= HttpStatusCode.InternalServerError or HttpStatusCode.RequestTimeout => new SfmcTransientException($"{what} after {context.Retries + 1} attempts{detail}", status),
            _ => new SfmcException(what + detail, status, errorCode),
        };
    }

    /// <summary>
    /// Reads an answer's body with <paramref name="read"/>: a body that is not JSON, or not of the shape the reader
    /// expects (a string where an object belongs, a number out of range), is an <see cref="SfmcResponseFormatException"/>
    /// naming the call, never a bare <see cref="JsonException"/> or <see cref="InvalidOperationException"/>.
    /// </summary>
    internal static T Read<T>(HttpRequestMessage request, byte[] body, Func<byte[], T> read)
    {
        try
        {
            return read(body);
        }
        catch (Exception ex) when (IsUnreadable(ex))
        {
            throw new SfmcResponseFormatException($"SFMC's answer to {request.Method} /{RequestPath(request)} could not be read: {SfmcException.Clip(ex.Message)}", ex);
        }
    }

    /// <summary>What System.Text.Json and the parsers raise for a body of the wrong shape.</summary>
    internal static bool IsUnreadable(Exception ex) =>
        ex is JsonException or InvalidOperationException or FormatException or OverflowException or KeyNotFoundException or InvalidCastException;

    private static string? MissingScope(string? message) =>
        message is null ? null : Regex.Match(message, @"\b[a-z]+(?:_[a-z]+)*_(?:read|write|execute|send|publish)\b") is { Success: true } match ? match.Value : null;

    private static string RequestPath(HttpRequestMessage request) =>
        request.RequestUri is { IsAbsoluteUri: true } uri ? uri.AbsolutePath.TrimStart('/') : request.RequestUri?.OriginalString ?? "";
}

/// <summary>Per-request facts the pipeline reads (is it safe to replay?) and writes (retries, throttles).</summary>
internal sealed class SfmcRequestContext
{
    public static readonly HttpRequestOptionsKey<SfmcRequestContext> Key = new("Sfmc.Request");

    private int _retries;
    private int _throttles;

    /// <summary>Safe to send again after a failure that may have reached SFMC (upsert by key, GET).</summary>
    public bool Replayable { get; init; }

    /// <summary>When the request was first sent (a <see cref="TimeProvider"/> timestamp): what its retries have spent.</summary>
    public long Started { get; set; }

    public int Retries => Volatile.Read(ref _retries);

    public int Throttles => Volatile.Read(ref _throttles);

    public void AddRetry() => Interlocked.Increment(ref _retries);

    public void AddThrottle() => Interlocked.Increment(ref _throttles);
}
