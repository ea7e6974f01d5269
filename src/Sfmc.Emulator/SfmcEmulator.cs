using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Sfmc.Client;

namespace Sfmc.Emulator;

/// <summary>What the emulator serves and how it behaves.</summary>
public sealed class SfmcEmulatorOptions
{
    /// <summary>The client id that <c>/v2/token</c> accepts.</summary>
    public string ClientId { get; set; } = "emulator-client-id";

    /// <summary>The client secret that <c>/v2/token</c> accepts.</summary>
    public string ClientSecret { get; set; } = "emulator-client-secret";

    /// <summary>The <c>expires_in</c> of issued tokens (SFMC: about 1,080 s).</summary>
    public int TokenLifetimeSeconds { get; set; } = 1080;

    /// <summary>Data Extensions the tenant has (for example <c>OrderLinesRow.Schema</c>).</summary>
    public IList<DataExtensionInfo> DataExtensions { get; } = new List<DataExtensionInfo>();

    /// <summary>DE files or folders to load (<c>*.de.json</c>, <c>*.dataExtension-meta.json</c>), as the generator reads them.</summary>
    public IList<string> DataExtensionFiles { get; } = new List<string>();

    /// <summary>EventDefinitionKeys of the tenant's API entry events (journeys). Others answer 400, as SFMC does.</summary>
    public IList<string> JourneyEventDefinitionKeys { get; } = new List<string>();

    /// <summary>
    /// <c>sfmc.json</c> files of what the tenant has: their journeys' eventDefinitionKeys, triggered send and
    /// transactional definitions (Active unless <see cref="TriggeredSendDefinitions"/> or <see cref="MessageDefinitions"/>
    /// say otherwise), MobileConnect messages and synchronized (read-only) DEs are added to the options below.
    /// </summary>
    public IList<string> DeclarationFiles { get; } = new List<string>();

    /// <summary>Contacts that are not active: a journey entry for one is refused (400 alone, a member error in a batch).</summary>
    public ISet<string> InactiveContactKeys { get; } = new HashSet<string>(StringComparer.Ordinal);

    /// <summary>Transactional email/SMS definitions (key → status, e.g. Active, Inactive); when empty any key is accepted.</summary>
    public IDictionary<string, string> MessageDefinitions { get; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>Triggered send definitions (key → status: Active, Inactive, New, …); when empty any key is accepted.</summary>
    public IDictionary<string, string> TriggeredSendDefinitions { get; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>MobileConnect message ids; when empty any id is accepted, else others answer 404.</summary>
    public ISet<string> MobileConnectMessages { get; } = new HashSet<string>(StringComparer.Ordinal);

    /// <summary>Keys of synchronized (Marketing Cloud Connect) DEs: read-only, so REST writes to them answer 400.</summary>
    public ISet<string> ReadOnlyDataExtensions { get; } = new HashSet<string>(StringComparer.Ordinal);

    /// <summary>How long a transactional message stays Queued before its status becomes Sent (or NotSent).</summary>
    public TimeSpan SendDelay { get; set; }

    /// <summary>Addresses (email or mobile) whose messages end NotSent.</summary>
    public ISet<string> UndeliverableAddresses { get; } = new HashSet<string>(StringComparer.OrdinalIgnoreCase);

    /// <summary>A SQLite file to keep rows across restarts; null keeps them in memory.</summary>
    public string? DatabasePath { get; set; }

    /// <summary>Requests allowed per <see cref="RateLimitWindow"/>; null for no limit. Above it: 429, Retry-After, errorcode 50100.</summary>
    public int? RateLimitPerWindow { get; set; }

    /// <summary>The rate limit's window.</summary>
    public TimeSpan RateLimitWindow { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Largest accepted rowset body (<c>/hub/v1/dataevents</c>; SFMC's limit is 5 MB): above it, 413 as soon as that is known.</summary>
    public long MaxPayloadBytes { get; set; } = 5 * 1024 * 1024;

    /// <summary>Largest accepted body of every other endpoint (SOAP, async rows, sends; default 32 MB): above it, 413 as soon as that is known.</summary>
    public long MaxRequestBytes { get; set; } = 32 * 1024 * 1024;

    /// <summary>The TCP port; 0 picks a free one.</summary>
    public int Port { get; set; }

    /// <summary>The MID of the installed package's own business unit: a token requested without <c>account_id</c> is for it.</summary>
    public string AccountId { get; set; } = "1111111";

    /// <summary>The address to listen on (default 127.0.0.1; <see cref="IPAddress.Any"/> serves other machines too).</summary>
    public IPAddress ListenAddress { get; set; } = IPAddress.Loopback;

    /// <summary>How long an async request stays Pending before it is processed (on <see cref="TimeProvider"/>; default none).</summary>
    public TimeSpan AsyncProcessingDelay { get; set; }

    /// <summary>Overrides the <c>rest_instance_url</c>/<c>soap_instance_url</c> the token response names (tests of host validation).</summary>
    public Uri? InstanceUrlOverride { get; set; }

    /// <summary>Clock for token expiry and rate-limit windows (tests pass a fake one).</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;
}

/// <summary>
/// A local stand-in for an SFMC tenant on 127.0.0.1: OAuth2 token endpoint, Data Extension rowset upsert and row
/// reads, SFMC's limits and error shapes, rate limiting, fault injection and a request log.
/// <code>await using var emulator = await SfmcEmulator.StartAsync(o => o.DataExtensions.Add(OrderLinesRow.Schema));</code>
/// </summary>
public sealed class SfmcEmulator : IAsyncDisposable
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly WebApplication _app;
    private readonly EmulatorStore _store;
    private readonly SfmcEmulatorOptions _options;
    private readonly ConcurrentDictionary<string, Token> _tokens = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, bool> _expired = new(StringComparer.Ordinal);
    private readonly EmulatorSoap _soap;
    private readonly EmulatorJourneys _journeys;
    private readonly EmulatorMessaging _messaging;
    private readonly ConcurrentQueue<EmulatorRequest> _requests = new();
    private readonly ConcurrentQueue<string> _issued = new();
    private readonly ConcurrentQueue<EmulatorTokenGrant> _grants = new();
    private readonly ConcurrentDictionary<string, AsyncJob> _jobs = new(StringComparer.OrdinalIgnoreCase);
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _rateLock = new();
    private DateTimeOffset _windowStart;
    private int _windowCount;
    private long _tokenRequests;

    private SfmcEmulator(WebApplication app, EmulatorStore store, SfmcEmulatorOptions options, EmulatorDeclarations declared)
    {
        _app = app;
        _store = store;
        _options = options;
        Faults.TokensExpired += () =>
        {
            // REST sees an unknown token (401); SOAP answers "Token Expired", as SFMC does.
            foreach (var token in _tokens.Keys)
            {
                _expired[token] = true;
            }

            _tokens.Clear();
        };
        _soap = new EmulatorSoap(store, SoapTokenState, AccountOf, options.TimeProvider, options.ReadOnlyDataExtensions);
        // Declarations add to what the options say; an explicit status in the options wins.
        foreach (var key in declared.TriggeredSendKeys)
        {
            options.TriggeredSendDefinitions.TryAdd(key, "Active");
        }

        foreach (var key in declared.TransactionalKeys)
        {
            options.MessageDefinitions.TryAdd(key, "Active");
        }

        options.MobileConnectMessages.UnionWith(declared.MobileConnectMessageIds);
        options.ReadOnlyDataExtensions.UnionWith(declared.SynchronizedDataExtensions);
        _messaging = new EmulatorMessaging(options);
        _journeys = new EmulatorJourneys(options.JourneyEventDefinitionKeys.Concat(declared.JourneyKeys), options.InactiveContactKeys, options.TimeProvider);
        _windowStart = options.TimeProvider.GetUtcNow();
    }

    /// <summary>The emulator's root, e.g. <c>http://127.0.0.1:51234/</c>: auth base, REST and SOAP instance URL at once.</summary>
    public Uri BaseUri { get; private set; } = null!;

    /// <summary>The emulator's own services (tests check what its host registered).</summary>
    internal IServiceProvider Services => _app.Services;

    /// <summary>The accepted client id.</summary>
    public string ClientId => _options.ClientId;

    /// <summary>The accepted client secret.</summary>
    public string ClientSecret => _options.ClientSecret;

    /// <summary>Fault injection.</summary>
    public EmulatorFaults Faults { get; } = new();

    /// <summary>Every request answered so far, in arrival order.</summary>
    public IReadOnlyList<EmulatorRequest> Requests => _requests.ToArray();

    /// <summary>Every contact entered into a journey (API entry events), in arrival order.</summary>
    public IReadOnlyList<EmulatorJourneyEntry> JourneyEntries => _journeys.Entries;

    /// <summary>Every message sent (transactional, triggered, MobileConnect), once per messageKey, in order.</summary>
    public IReadOnlyList<EmulatorSentMessage> SentMessages => _messaging.Sent;

    /// <summary>How many tokens <c>/v2/token</c> has issued.</summary>
    public long TokenRequests => Interlocked.Read(ref _tokenRequests);

    /// <summary>Every token issued, in order: which client asked, for which account (MID) and scope.</summary>
    public IReadOnlyList<EmulatorTokenGrant> TokenGrants => _grants.ToArray();

    /// <summary>Every access token issued (for tests that prove tokens never reach logs or messages).</summary>
    public IReadOnlyCollection<string> IssuedTokens => _issued.ToArray();

    /// <summary>Starts an emulator on 127.0.0.1 (a free port unless <see cref="SfmcEmulatorOptions.Port"/> is set).</summary>
    public static async Task<SfmcEmulator> StartAsync(Action<SfmcEmulatorOptions>? configure = null, CancellationToken cancellationToken = default)
    {
        var options = new SfmcEmulatorOptions();
        configure?.Invoke(options);

        // Files first: a broken one fails before a port or a database is taken.
        var declared = EmulatorDeclarations.Load(options.DeclarationFiles);
        var dataExtensions = options.DataExtensions.Concat(options.DataExtensionFiles.SelectMany(Sfmc.Emulator.DataExtensionFiles.Load)).ToList();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        // The host must not take over the process's SIGTERM/Ctrl+C (its default console lifetime would swallow them
        // in the user's process): whoever starts the emulator decides when it stops.
        builder.Services.AddSingleton<IHostLifetime, EmbeddedLifetime>();
        builder.WebHost.UseKestrel(k =>
        {
            k.Listen(options.ListenAddress, options.Port);
            k.Limits.MaxRequestBodySize = null; // set per request by the emulator (MaxPayloadBytes, MaxRequestBytes) to answer in SFMC's shape
        });
        var app = builder.Build();
        EmulatorStore? store = null;
        SfmcEmulator emulator;
        try
        {
            store = await EmulatorStore.OpenAsync(options.DatabasePath, dataExtensions, cancellationToken);
            emulator = new SfmcEmulator(app, store, options, declared);
            emulator.Map(app);
            await app.StartAsync(cancellationToken);
        }
        catch
        {
            await app.DisposeAsync();
            if (store is not null)
            {
                await store.DisposeAsync();
            }

            throw;
        }

        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        // Bound to every address: the base URI names loopback, which is one of them.
        address = address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal).Replace("0.0.0.0", "127.0.0.1", StringComparison.Ordinal);
        emulator.BaseUri = new Uri(address.TrimEnd('/') + "/");
        return emulator;
    }

    /// <summary>Adds a Data Extension to the running tenant.</summary>
    public Task AddDataExtensionAsync(DataExtensionInfo dataExtension, CancellationToken cancellationToken = default) =>
        _store.AddDataExtensionAsync(dataExtension, cancellationToken);

    /// <summary>
    /// Puts rows into a DE directly, past the API and its checks: what Marketing Cloud Connect does to a synchronized
    /// (read-only) DE. Values are written as JSON (strings, numbers, booleans, dates).
    /// </summary>
    public async Task AddRowsAsync(string customerKey, IEnumerable<IReadOnlyDictionary<string, object?>> rows, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(rows);
        if (!_store.TryGet(customerKey, out var dataExtension))
        {
            throw new KeyNotFoundException($"The emulator has no data extension '{customerKey}'.");
        }

        var items = rows
            .Select(row => row.ToDictionary(p => p.Key, p => JsonSerializer.SerializeToElement(p.Value, Json), StringComparer.OrdinalIgnoreCase))
            .ToList();
        var errors = await _store.UpsertAsync(dataExtension, items, insertOnly: false, cancellationToken);
        if (errors.Count > 0)
        {
            throw new ArgumentException($"Rows refused by '{customerKey}': {string.Join("; ", errors.Select(e => e.Message))}", nameof(rows));
        }
    }

    /// <summary>The stored rows of a DE as SFMC would return them (field name → text), for assertions.</summary>
    public async Task<IReadOnlyList<IReadOnlyDictionary<string, string?>>> GetRowsAsync(string customerKey, CancellationToken cancellationToken = default)
    {
        if (!_store.TryGet(customerKey, out var dataExtension))
        {
            throw new KeyNotFoundException($"The emulator has no data extension '{customerKey}'.");
        }

        var (_, rows) = await _store.ReadAsync(dataExtension, 1, int.MaxValue, cancellationToken);
        return rows;
    }

    private void Map(WebApplication app)
    {
        app.Use(async (context, next) =>
        {
            var request = context.Request;
            if (HttpMethods.IsGet(request.Method) && request.Path.Value is "/" or "/health")
            {
                // Readiness for scripts and service managers: no token, no rate limit, no faults, not logged.
                await WriteJsonAsync(context, HttpStatusCode.OK, new { status = "ok", service = "sfmc-emulator" });
                return;
            }

            var path = request.Path.Value + request.QueryString.Value;
            var at = _options.TimeProvider.GetUtcNow();
            var soap = request.Path.StartsWithSegments("/Service.asmx");
            // The largest body this endpoint takes, enforced by Kestrel while the body is read (chunked bodies too):
            // SFMC's 5 MB for the synchronous rowset, MaxRequestBytes elsewhere. Over it: 413 (see AnswerAsync for when
            // the body is read first).
            var limit = request.Path.StartsWithSegments("/hub/v1/dataevents") ? _options.MaxPayloadBytes : _options.MaxRequestBytes;
            var size = context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } feature ? feature : null;
            if (size is not null)
            {
                size.MaxRequestBodySize = limit;
            }

            var dropped = false;
            try
            {
                dropped = await AnswerAsync();
            }
            catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge && !context.Response.HasStarted)
            {
                await TooLargeAsync(context, soap, limit);
            }

            _requests.Enqueue(new EmulatorRequest(request.Method, path, dropped ? 0 : context.Response.StatusCode, request.ContentLength ?? 0, at));

            // True when the connection was dropped (an injected fault) instead of answered.
            async Task<bool> AnswerAsync()
            {
                if (request.ContentLength > limit)
                {
                    // A body a little over the limit is read (into nothing) first, so that ordinary clients, which
                    // send the whole body before they read an answer, see the 413 instead of a broken pipe; a larger
                    // one is answered at once and never read.
                    if (request.ContentLength <= 2 * limit && size is not null)
                    {
                        size.MaxRequestBodySize = request.ContentLength;
                        await DrainAsync(request, context.RequestAborted);
                    }

                    await TooLargeAsync(context, soap, limit);
                    return false;
                }

                if (Faults.Latency > TimeSpan.Zero)
                {
                    await Task.Delay(Faults.Latency, _options.TimeProvider, context.RequestAborted);
                }

                var fault = Faults.Take(request.Path.Value ?? "/");
                if (fault is { Drop: true })
                {
                    await DrainAsync(request, context.RequestAborted);
                    context.Abort();
                    return true;
                }

                if (fault is { AfterProcessing: false })
                {
                    await DrainAsync(request, context.RequestAborted);
                    await (soap ? WriteSoapFaultAsync(context, fault) : WriteFaultAsync(context, fault));
                }
                else if (soap && IsRateLimited(out _))
                {
                    // SOAP throttling is an HTTP 500 fault, not a 429.
                    await DrainAsync(request, context.RequestAborted);
                    await EmulatorSoap.WriteFaultAsync(context, HttpStatusCode.InternalServerError, "soap:Server", "Throttled: too many requests for this account; retry later");
                }
                else if (soap)
                {
                    await ProcessAsync(context, next, fault, soap);
                }
                else if (!request.Path.StartsWithSegments("/v2/token") && IsRateLimited(out var retryAfter))
                {
                    await DrainAsync(request, context.RequestAborted);
                    context.Response.Headers.RetryAfter = retryAfter.ToString(CultureInfo.InvariantCulture);
                    await WriteErrorAsync(context, HttpStatusCode.TooManyRequests, "Rate limit exceeded", 50100, new { retryAfter });
                }
                else if (!request.Path.StartsWithSegments("/v2/token") && !IsAuthorized(request))
                {
                    await DrainAsync(request, context.RequestAborted);
                    await WriteErrorAsync(context, HttpStatusCode.Unauthorized, "Not Authorized", 0);
                }
                else if (!request.Path.StartsWithSegments("/v2/token") && MissingScope(request) is { } scope)
                {
                    await DrainAsync(request, context.RequestAborted);
                    await WriteErrorAsync(context, HttpStatusCode.Forbidden, $"Insufficient privileges to complete this action. The token lacks the scope '{scope}'.", 0);
                }
                else
                {
                    await ProcessAsync(context, next, fault, soap);
                }

                return false;
            }
        });

        app.MapPost("/v2/token", IssueTokenAsync);
        app.MapPost("/hub/v1/dataevents/key:{key}/rowset", (HttpContext context, string key) => UpsertRowsetAsync(context, key));
        app.MapPut("/data/v1/async/dataextensions/key:{key}/rows", (HttpContext context, string key) => QueueAsync(context, key, insertOnly: false));
        app.MapPost("/data/v1/async/dataextensions/key:{key}/rows", (HttpContext context, string key) => QueueAsync(context, key, insertOnly: true));
        app.MapGet("/data/v1/async/{requestId}/status", AsyncStatusAsync);
        app.MapGet("/data/v1/async/{requestId}/results", AsyncResultsAsync);
        app.MapGet("/data/v1/customobjectdata/key/{key}/rowset", (HttpContext context, string key) => ReadRowsAsync(context, key));
        app.MapPost("/Service.asmx", _soap.HandleAsync);
        app.MapPost("/interaction/v1/events", _journeys.EnterAsync);
        app.MapPost("/interaction/v1/async/events", _journeys.EnterBatchAsync);
        app.MapPost("/messaging/v1/email/messages/{messageKey}", _messaging.SendEmailAsync);
        app.MapPost("/messaging/v1/email/messages", _messaging.SendEmailBatchAsync);
        app.MapGet("/messaging/v1/email/messages/{messageKey}", _messaging.EmailStatusAsync);
        app.MapPost("/messaging/v1/sms/messages/{messageKey}", _messaging.SendSmsAsync);
        app.MapPost("/messaging/v1/sms/messages", _messaging.SendSmsBatchAsync);
        app.MapGet("/messaging/v1/sms/messages/{messageKey}", _messaging.SmsStatusAsync);
        app.MapPost("/messaging/v1/messageDefinitionSends/key:{key}/send", _messaging.SendTriggeredAsync);
        app.MapPost("/sms/v1/messageContact/{messageId}/send", _messaging.SendMobileConnectAsync);
        app.MapFallback((HttpContext context) => WriteErrorAsync(context, HttpStatusCode.NotFound, $"The emulator does not implement {context.Request.Method} {context.Request.Path}.", 0));
    }

    /// <summary>413 for a body over the endpoint's limit (SFMC's error shape, or a SOAP fault), and the connection closes: the rest of the body is never read.</summary>
    private static Task TooLargeAsync(HttpContext context, bool soap, long limit)
    {
        var message = $"The request body exceeds the maximum of {limit} bytes.";
        return soap
            ? EmulatorSoap.WriteFaultAsync(context, HttpStatusCode.RequestEntityTooLarge, "soap:Client", message)
            : WriteErrorAsync(context, HttpStatusCode.RequestEntityTooLarge, message, 10001);
    }

    private async Task IssueTokenAsync(HttpContext context)
    {
        Dictionary<string, string?> body;
        if (context.Request.HasFormContentType)
        {
            try
            {
                var form = await context.Request.ReadFormAsync(context.RequestAborted);
                body = form.ToDictionary(f => f.Key, f => (string?)f.Value.ToString(), StringComparer.Ordinal);
            }
            catch (InvalidDataException)
            {
                await WriteJsonAsync(context, HttpStatusCode.BadRequest, new { error = "invalid_request", error_description = "The request body is not a valid form.", error_uri = "https://developer.salesforce.com/docs" });
                return;
            }
        }
        else if (await ReadTokenJsonAsync(context) is { } json)
        {
            body = json;
        }
        else
        {
            await WriteJsonAsync(context, HttpStatusCode.BadRequest, new { error = "invalid_request", error_description = "The request body is not a JSON object of client_id, client_secret, grant_type, account_id and scope.", error_uri = "https://developer.salesforce.com/docs" });
            return;
        }

        if (body.GetValueOrDefault("grant_type") != "client_credentials")
        {
            await WriteJsonAsync(context, HttpStatusCode.BadRequest, new { error = "unsupported_grant_type", error_description = "Use grant_type client_credentials.", error_uri = "https://developer.salesforce.com/docs" });
            return;
        }

        if (body.GetValueOrDefault("client_id") != _options.ClientId || body.GetValueOrDefault("client_secret") != _options.ClientSecret)
        {
            await WriteJsonAsync(context, HttpStatusCode.Unauthorized, new { error = "invalid_client", error_description = "Invalid client ID. Use the client ID in Marketing Cloud Installed Packages.", error_uri = "https://developer.salesforce.com/docs" });
            return;
        }

        Interlocked.Increment(ref _tokenRequests);
        var token = Convert.ToHexString(RandomNumberGenerator.GetBytes(32));
        _issued.Enqueue(token);
        _grants.Enqueue(new EmulatorTokenGrant(_options.ClientId, body.GetValueOrDefault("account_id"), body.GetValueOrDefault("scope"), _options.TimeProvider.GetUtcNow()));
        _tokens[token] = new Token(_options.TimeProvider.GetUtcNow().AddSeconds(_options.TokenLifetimeSeconds), body.GetValueOrDefault("account_id"), body.GetValueOrDefault("scope"));
        await WriteJsonAsync(context, HttpStatusCode.OK, new Dictionary<string, object?>
        {
            ["access_token"] = token,
            ["token_type"] = "Bearer",
            ["expires_in"] = _options.TokenLifetimeSeconds,
            ["scope"] = body.GetValueOrDefault("scope") ?? "data_extensions_read data_extensions_write",
            ["soap_instance_url"] = (_options.InstanceUrlOverride ?? BaseUri).ToString(),
            ["rest_instance_url"] = (_options.InstanceUrlOverride ?? BaseUri).ToString(),
        });
    }

    /// <summary>
    /// A JSON token request as name → text; null when it is not a JSON object of scalars. SFMC takes <c>account_id</c> as a
    /// number or a string (mcdev sends a number), so numbers are kept as written.
    /// </summary>
    private static async Task<Dictionary<string, string?>?> ReadTokenJsonAsync(HttpContext context)
    {
        try
        {
            using var document = await JsonDocument.ParseAsync(context.Request.Body, default, context.RequestAborted);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                return null;
            }

            var body = new Dictionary<string, string?>(StringComparer.Ordinal);
            foreach (var property in document.RootElement.EnumerateObject())
            {
                switch (property.Value.ValueKind)
                {
                    case JsonValueKind.String:
                        body[property.Name] = property.Value.GetString();
                        break;
                    case JsonValueKind.Number:
                        body[property.Name] = property.Value.GetRawText();
                        break;
                    case JsonValueKind.Null:
                        body[property.Name] = null;
                        break;
                    default:
                        return null;
                }
            }

            return body;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>The DE a REST write names, or null once the answer is written: unknown key (404) or synchronized, hence read-only (400).</summary>
    private async Task<DataExtensionInfo?> WritableAsync(HttpContext context, string key)
    {
        if (!_store.TryGet(key, out var dataExtension))
        {
            await WriteUnknownKeyAsync(context, key);
            return null;
        }

        if (_options.ReadOnlyDataExtensions.Contains(key))
        {
            await WriteErrorAsync(context, HttpStatusCode.BadRequest, ReadOnlyMessage(key), 30005);
            return null;
        }

        return dataExtension;
    }

    private async Task UpsertRowsetAsync(HttpContext context, string key)
    {
        if (await WritableAsync(context, key) is not { } dataExtension)
        {
            return;
        }

        List<Dictionary<string, JsonElement>> rows;
        var body = new MemoryStream();
        await context.Request.Body.CopyToAsync(body, context.RequestAborted);
        try
        {
            body.Position = 0;
            rows = await ReadRowsetAsync(body, context.RequestAborted);
        }
        catch (JsonException ex)
        {
            await WriteErrorAsync(context, HttpStatusCode.BadRequest, "Invalid JSON: " + ex.Message, 10001);
            return;
        }

        var errors = await _store.UpsertAsync(dataExtension, rows, insertOnly: false, context.RequestAborted);
        if (errors.Count > 0)
        {
            await WriteErrorAsync(context, HttpStatusCode.BadRequest, $"Unable to save rows for data extension ID {DeId(dataExtension)}", 10006, new
            {
                additionalErrors = errors.Select(e => new { message = e.Message, errorcode = e.ErrorCode, documentation = "" }),
            });
            return;
        }

        // SFMC answers 200 and echoes the rowset as sent.
        context.Response.StatusCode = (int)HttpStatusCode.OK;
        context.Response.ContentType = "application/json; charset=utf-8";
        await context.Response.Body.WriteAsync(body.GetBuffer().AsMemory(0, (int)body.Length), context.RequestAborted);
    }

    private async Task QueueAsync(HttpContext context, string key, bool insertOnly)
    {
        if (await WritableAsync(context, key) is not { } dataExtension)
        {
            return;
        }

        List<Dictionary<string, JsonElement>> rows;
        try
        {
            using var document = await JsonDocument.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted);
            if (document.RootElement.ValueKind != JsonValueKind.Object || !document.RootElement.TryGetProperty("items", out var items) || items.ValueKind != JsonValueKind.Array)
            {
                throw new JsonException("The body must be an object with an 'items' array.");
            }

            rows = items.EnumerateArray()
                .Select(item => item.ValueKind == JsonValueKind.Object
                    ? item.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.Clone(), StringComparer.OrdinalIgnoreCase)
                    : throw new JsonException($"Each item must be an object of field values, not {Kind(item)}."))
                .ToList();
        }
        catch (JsonException ex)
        {
            await WriteErrorAsync(context, HttpStatusCode.BadRequest, "Invalid JSON: " + ex.Message, 10001);
            return;
        }

        var id = Guid.NewGuid().ToString();
        var job = new AsyncJob(_options.TimeProvider.GetUtcNow());
        _jobs[id] = job;
        // Picked up and processed in the background, as SFMC's async framework does.
        // Disposing the emulator cancels jobs still waiting and waits for the one writing (see DisposeAsync).
        var stopping = _stopping.Token;
        job.Processing = Task.Run(async () =>
        {
            if (_options.AsyncProcessingDelay > TimeSpan.Zero)
            {
                await Task.Delay(_options.AsyncProcessingDelay, _options.TimeProvider, stopping);
            }

            job.PickedUp = _options.TimeProvider.GetUtcNow();
            job.Errors = await _store.WriteEachAsync(dataExtension, rows, insertOnly, stopping);
            job.Completed = _options.TimeProvider.GetUtcNow();
        }, stopping);
        await WriteJsonAsync(context, HttpStatusCode.Accepted, new { requestId = id, resultMessages = Array.Empty<string>() });
    }

    private async Task AsyncStatusAsync(HttpContext context, string requestId)
    {
        if (!_jobs.TryGetValue(requestId, out var job))
        {
            await WriteErrorAsync(context, HttpStatusCode.NotFound, $"Request {requestId} was not found.", 10002);
            return;
        }

        var done = job.Completed is not null;
        await WriteJsonAsync(context, HttpStatusCode.OK, new
        {
            requestId,
            status = new
            {
                callDateTime = job.Called,
                completionDateTime = job.Completed,
                hasErrors = done && job.Errors.Count > 0,
                pickupDateTime = job.PickedUp,
                requestStatus = done ? "Complete" : "Pending",
                resultStatus = done ? (job.Errors.Count > 0 ? "Error" : "OK") : null,
                requestId,
            },
        });
    }

    private async Task AsyncResultsAsync(HttpContext context, string requestId)
    {
        if (!_jobs.TryGetValue(requestId, out var job) || job.Completed is null)
        {
            await WriteErrorAsync(context, HttpStatusCode.NotFound, $"No results for request {requestId} (yet).", 10002);
            return;
        }

        const int pageSize = 50;
        var page = int.TryParse(context.Request.Query["$page"], CultureInfo.InvariantCulture, out var p) && p > 0 ? p : 1;
        await WriteJsonAsync(context, HttpStatusCode.OK, new
        {
            page,
            pageSize,
            count = job.Errors.Count,
            items = job.Errors.Skip((page - 1) * pageSize).Take(pageSize).Select(e => new { errorCode = "UnexpectedError", message = e.Message, status = "Error" }),
        });
    }

    private async Task ReadRowsAsync(HttpContext context, string key)
    {
        if (!_store.TryGet(key, out var dataExtension))
        {
            await WriteUnknownKeyAsync(context, key);
            return;
        }

        var page = int.TryParse(context.Request.Query["$page"], CultureInfo.InvariantCulture, out var p) && p > 0 ? p : 1;
        var pageSize = int.TryParse(context.Request.Query["$pageSize"], CultureInfo.InvariantCulture, out var s) && s > 0 ? Math.Min(s, 2500) : 2500;
        var (count, rows) = await _store.ReadAsync(dataExtension, page, pageSize, context.RequestAborted);
        await WriteJsonAsync(context, HttpStatusCode.OK, new
        {
            links = new { self = $"/v1/customobjectdata/key/{key}/rowset?$page={page}" },
            requestToken = Guid.NewGuid(),
            customObjectKey = key,
            pageSize,
            page,
            count,
            top = 0,
            items = rows.Select(row => new
            {
                // SFMC lower-cases names and returns every value as a string.
                keys = dataExtension.PrimaryKey.ToDictionary(f => f.Name.ToLowerInvariant(), f => row[f.Name]),
                values = dataExtension.Fields.Where(f => !f.IsPrimaryKey).ToDictionary(f => f.Name.ToLowerInvariant(), f => row[f.Name] ?? ""),
            }),
        });
    }

    private static async Task<List<Dictionary<string, JsonElement>>> ReadRowsetAsync(Stream body, CancellationToken cancellationToken)
    {
        using var document = await JsonDocument.ParseAsync(body, cancellationToken: cancellationToken);
        if (document.RootElement.ValueKind != JsonValueKind.Array)
        {
            throw new JsonException("The rowset must be a JSON array.");
        }

        var rows = new List<Dictionary<string, JsonElement>>();
        foreach (var item in document.RootElement.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Object)
            {
                throw new JsonException($"Each rowset item must be an object of \"keys\" and \"values\", not {Kind(item)}.");
            }

            var row = new Dictionary<string, JsonElement>(StringComparer.OrdinalIgnoreCase);
            foreach (var part in new[] { "keys", "values" })
            {
                if (item.TryGetProperty(part, out var values) && values.ValueKind == JsonValueKind.Object)
                {
                    foreach (var property in values.EnumerateObject())
                    {
                        row[property.Name] = property.Value.Clone();
                    }
                }
            }

            rows.Add(row);
        }

        return rows;
    }

    private static string Kind(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        _ => "null",
    };

    private bool IsAuthorized(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        return header.StartsWith("Bearer ", StringComparison.Ordinal)
            && _tokens.TryGetValue(header["Bearer ".Length..], out var token)
            && token.ExpiresAt > _options.TimeProvider.GetUtcNow();
    }

    /// <summary>Data Extension reads need data_extensions_read, writes data_extensions_write (when the token was scoped).</summary>
    private string? MissingScope(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        if (!_tokens.TryGetValue(header["Bearer ".Length..], out var token) || token.Scope is null)
        {
            return null;
        }

        var path = request.Path.Value ?? "";
        var needed = path.StartsWith("/hub/v1/dataevents", StringComparison.OrdinalIgnoreCase) || path.StartsWith("/data/v1/async", StringComparison.OrdinalIgnoreCase)
            ? (HttpMethods.IsGet(request.Method) ? "data_extensions_read" : "data_extensions_write")
            : path.StartsWith("/data/v1/customobjectdata", StringComparison.OrdinalIgnoreCase) ? "data_extensions_read" : null;
        return needed is not null && !token.Scope.Split(' ', StringSplitOptions.RemoveEmptyEntries).Contains(needed, StringComparer.Ordinal) ? needed : null;
    }

    private bool IsRateLimited(out int retryAfterSeconds)
    {
        retryAfterSeconds = 0;
        if (_options.RateLimitPerWindow is not { } limit)
        {
            return false;
        }

        lock (_rateLock)
        {
            var now = _options.TimeProvider.GetUtcNow();
            if (now - _windowStart >= _options.RateLimitWindow)
            {
                _windowStart = now;
                _windowCount = 0;
            }

            if (++_windowCount <= limit)
            {
                return false;
            }

            retryAfterSeconds = Math.Max(1, (int)Math.Ceiling((_windowStart + _options.RateLimitWindow - now).TotalSeconds));
            return true;
        }
    }

    private static Task WriteUnknownKeyAsync(HttpContext context, string key) =>
        WriteErrorAsync(context, HttpStatusCode.NotFound, $"Unable to find a data extension with external key '{key}'. External keys are case-sensitive.", 10002);

    /// <summary>
    /// Runs the endpoint. With a fault injected by <see cref="EmulatorFaults.FailAfterProcessingNext"/>, the request
    /// passes every check and does its work, then its answer is lost and replaced by the fault (the hard case for retries).
    /// </summary>
    private static async Task ProcessAsync(HttpContext context, RequestDelegate next, EmulatorFaults.InjectedFault? lostAnswer, bool soap)
    {
        if (lostAnswer is null)
        {
            await RunAsync(context, next, soap);
            return;
        }

        var answer = context.Response.Body;
        context.Response.Body = new MemoryStream();
        await RunAsync(context, next, soap);
        context.Response.Body = answer;
        context.Response.Headers.Clear();
        context.Response.ContentLength = null;
        await (soap ? WriteSoapFaultAsync(context, lostAnswer) : WriteFaultAsync(context, lostAnswer));
    }

    /// <summary>
    /// Runs the endpoint. A JSON body of the wrong shape (a number where SFMC expects a string, an object for an array)
    /// that an endpoint's reader trips over is SFMC's 400 with errorcode 10001, not an empty 500.
    /// </summary>
    private static async Task RunAsync(HttpContext context, RequestDelegate next, bool soap)
    {
        try
        {
            await next(context);
        }
        catch (Exception ex) when (!soap && !context.Response.HasStarted && IsJsonShapeError(ex))
        {
            context.Response.Clear();
            await WriteErrorAsync(context, HttpStatusCode.BadRequest, "The request body is not of the shape this endpoint expects: " + ex.Message, 10001);
        }
    }

    /// <summary>What System.Text.Json raises reading a value of another kind or range than asked for.</summary>
    private static bool IsJsonShapeError(Exception ex) =>
        ex is JsonException
        || (ex is InvalidOperationException or FormatException or OverflowException
            && ex.TargetSite?.DeclaringType?.Namespace?.StartsWith("System.Text.Json", StringComparison.Ordinal) == true);

    private static Task WriteSoapFaultAsync(HttpContext context, EmulatorFaults.InjectedFault fault) =>
        fault.Blocked || fault.Status == HttpStatusCode.TooManyRequests
            ? EmulatorSoap.WriteFaultAsync(context, HttpStatusCode.InternalServerError, "soap:Server", "Throttled: too many requests for this account; retry later")
            : EmulatorSoap.WriteFaultAsync(context, fault.Status, "soap:Server", "Injected fault: " + (int)fault.Status);

    /// <summary>The business unit (MID) a token was issued for: its <c>account_id</c>, else the package's own.</summary>
    private string AccountOf(string? token) =>
        token is not null && _tokens.TryGetValue(token, out var known) && !string.IsNullOrWhiteSpace(known.AccountId) ? known.AccountId.Trim() : _options.AccountId;

    private TokenState SoapTokenState(string? token)
    {
        if (token is null)
        {
            return TokenState.Unknown;
        }

        if (_tokens.TryGetValue(token, out var known))
        {
            return known.ExpiresAt > _options.TimeProvider.GetUtcNow() ? TokenState.Valid : TokenState.Expired;
        }

        return _expired.ContainsKey(token) ? TokenState.Expired : TokenState.Unknown;
    }

    /// <summary>
    /// Adds SOAP objects (Subscriber, List, SentEvent, OpenEvent, ClickEvent, BounceEvent, UnsubEvent,
    /// TriggeredSendDefinition…) as property bags keyed by <paramref name="keyProperty"/>; dotted names nest
    /// (<c>Client.ID</c>). Stored in the same SQLite database as the Data Extensions.
    /// </summary>
    public Task AddSoapObjectsAsync(string objectType, string keyProperty, IEnumerable<IReadOnlyDictionary<string, string?>> objects, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(objects);
        return _store.SaveSoapObjectsAsync(objectType, objects.Select(o => (o.GetValueOrDefault(keyProperty) ?? Guid.NewGuid().ToString(), o)), cancellationToken);
    }

    /// <summary>SOAP objects of a type as stored (subscribers created over SOAP, sent events of triggered sends…).</summary>
    public async Task<IReadOnlyList<IReadOnlyDictionary<string, string?>>> GetSoapObjectsAsync(string objectType, CancellationToken cancellationToken = default) =>
        await _store.ReadSoapObjectsAsync(objectType, cancellationToken);

    private static Task WriteFaultAsync(HttpContext context, EmulatorFaults.InjectedFault fault)
    {
        var status = fault.Status;
        if (fault.Blocked)
        {
            return WriteErrorAsync(context, status, "Your requests are temporarily blocked.", 50200);
        }

        if (status == HttpStatusCode.TooManyRequests)
        {
            context.Response.Headers.RetryAfter = "1";
            return WriteErrorAsync(context, status, "Rate limit exceeded", 50100, new { retryAfter = 1 });
        }

        return WriteErrorAsync(context, status, "Injected fault: " + (int)status, 0);
    }

    /// <summary>Why a write to a synchronized DE is refused (REST answers 400, SOAP a per-object error; both code 30005).</summary>
    internal static string ReadOnlyMessage(string key) => $"Data extension '{key}' is synchronized by Marketing Cloud Connect and is read-only.";

    /// <summary>Request text quoted in an answer, at most 1,000 characters: a 20 MB name must not become a 20 MB error.</summary>
    internal static string Clip(string text) => text.Length <= 1000
        ? text
        : string.Concat(text.AsSpan(0, 1000), "… (", text.Length.ToString("N0", CultureInfo.InvariantCulture), " characters)");

    internal static Task WriteErrorAsync(HttpContext context, HttpStatusCode status, string message, int errorCode, object? extra = null)
    {
        var body = new Dictionary<string, object?> { ["message"] = Clip(message), ["errorcode"] = errorCode, ["documentation"] = "" };
        if (extra is not null)
        {
            foreach (var property in JsonSerializer.SerializeToElement(extra, Json).EnumerateObject())
            {
                body[property.Name] = property.Value;
            }
        }

        return WriteJsonAsync(context, status, body);
    }

    internal static async Task WriteJsonAsync(HttpContext context, HttpStatusCode status, object body)
    {
        context.Response.StatusCode = (int)status;
        context.Response.ContentType = "application/json; charset=utf-8";
        await JsonSerializer.SerializeAsync(context.Response.Body, body, Json, context.RequestAborted);
    }

    private static async Task DrainAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        await request.Body.CopyToAsync(Stream.Null, cancellationToken);
    }

    private static string DeId(DataExtensionInfo dataExtension) =>
        new Guid(MD5.HashData(System.Text.Encoding.UTF8.GetBytes(dataExtension.CustomerKey))).ToString();

    /// <summary>Stops the server and releases the database.</summary>
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();

        // Background async jobs use the database: stop them before it closes (a job still writing rolls back).
        await _stopping.CancelAsync();
        // A cancelled or failed job's outcome no longer matters once the emulator is gone.
        await Task.WhenAll(_jobs.Values.Select(j => j.Processing).OfType<Task>()).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);

        await _store.DisposeAsync();
        _stopping.Dispose();
    }

    private sealed record Token(DateTimeOffset ExpiresAt, string? AccountId, string? Scope);

    private sealed class EmbeddedLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    private sealed class AsyncJob(DateTimeOffset called)
    {
        public DateTimeOffset Called { get; } = called;

        public DateTimeOffset? PickedUp { get; set; }

        public DateTimeOffset? Completed { get; set; }

        public IReadOnlyList<EmulatorError> Errors { get; set; } = Array.Empty<EmulatorError>();

        public Task? Processing { get; set; }
    }
}
