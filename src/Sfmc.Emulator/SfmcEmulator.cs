using System;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Sfmc.Client;

namespace Sfmc.Emulator;

/// <summary>
/// A local stand-in for an SFMC tenant on 127.0.0.1: the OAuth2 token endpoint, Data Extension rows over REST (rowset,
/// async, reads), SOAP (<c>/Service.asmx</c>), journey entry events, transactional and triggered sends and
/// MobileConnect, with SFMC's limits and error shapes, rate limiting, fault injection and a request log.
/// <code>await using var emulator = await SfmcEmulator.StartAsync(o => o.DataExtensions.Add(OrderLinesRow.Schema));</code>
/// </summary>
/// <remarks>
/// This class hosts; each area maps its own endpoints (<c>Auth/</c>, <c>DataExtensions/</c>, <c>Journeys/</c>,
/// <c>Messaging/</c>, <c>Soap/</c>), and <see cref="EmulatorGate"/> applies what their metadata declares.
/// </remarks>
public sealed class SfmcEmulator : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly EmulatorStore _store;
    private readonly SfmcEmulatorOptions _options;
    private readonly EmulatorAuth _auth;
    private readonly EmulatorGate _gate;
    private readonly EmulatorDataExtensions _dataExtensions;
    private readonly EmulatorSoap _soap;
    private readonly EmulatorJourneys _journeys;
    private readonly EmulatorMessaging _messaging;
    private readonly EmulatorRequestLog _log;
    private readonly EmulatorPage _page;

    private SfmcEmulator(WebApplication app, EmulatorStore store, SfmcEmulatorOptions options, EmulatorTenant tenant)
    {
        _app = app;
        _store = store;
        _options = options;
        _auth = new EmulatorAuth(options, () => BaseUri);
        Faults.TokensExpired += _auth.ExpireAll;
        Faults.RateLimit = (options.RateLimitPerWindow, options.RateLimitWindow);
        _log = new EmulatorRequestLog(() => _auth.Issued.Append(options.ClientSecret));
        _gate = new EmulatorGate(options, _auth, Faults, _log);
        _dataExtensions = new EmulatorDataExtensions(store, tenant, options);
        _soap = new EmulatorSoap(store, _auth, tenant, options.TimeProvider);
        _messaging = new EmulatorMessaging(tenant, options);
        _journeys = new EmulatorJourneys(tenant, options.TimeProvider);
        _page = new EmulatorPage(this, store, tenant, _messaging, _log);
    }

    /// <summary>The emulator's root, e.g. <c>http://127.0.0.1:51234/</c>: auth base, REST and SOAP instance URL at once.</summary>
    public Uri BaseUri { get; private set; } = null!;

    /// <summary>
    /// The emulator's web page, e.g. <c>http://127.0.0.1:51234/_emulator/</c>: Data Extensions, sent messages, journey
    /// entries, the request log and fault settings; its JSON is under <c>_emulator/api/</c> (see docs/emulator.md).
    /// </summary>
    public Uri PageUri => new(BaseUri, EmulatorPage.Root + "/");

    /// <summary>The emulator's own services (tests check what its host registered).</summary>
    internal IServiceProvider Services => _app.Services;

    /// <summary>The accepted client id.</summary>
    public string ClientId => _options.ClientId;

    /// <summary>The accepted client secret.</summary>
    public string ClientSecret => _options.ClientSecret;

    /// <summary>Fault injection.</summary>
    public EmulatorFaults Faults { get; } = new();

    /// <summary>Every request answered so far, in arrival order.</summary>
    public IReadOnlyList<EmulatorRequest> Requests => _log.Requests;

    /// <summary>The Data Extensions of the tenant (declared at start, added since, created over SOAP), by key.</summary>
    public IReadOnlyList<DataExtensionInfo> DataExtensions => _store.DataExtensions;

    /// <summary>Every contact entered into a journey (API entry events), in arrival order.</summary>
    public IReadOnlyList<EmulatorJourneyEntry> JourneyEntries => _journeys.Entries;

    /// <summary>Every message sent (transactional, triggered, MobileConnect), once per messageKey, in order.</summary>
    public IReadOnlyList<EmulatorSentMessage> SentMessages => _messaging.Sent;

    /// <summary>
    /// A message's delivery status as SFMC's status endpoints would answer now: <c>Queued</c> until
    /// <see cref="SfmcEmulatorOptions.SendDelay"/> has passed, then <c>NotSent</c> for an undeliverable address, else <c>Sent</c>.
    /// </summary>
    public string GetStatus(EmulatorSentMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        return _messaging.StatusOf(message);
    }

    /// <summary>
    /// A logged request with its headers and bodies, secrets redacted (see <see cref="EmulatorRequestDetail"/>); null
    /// when <paramref name="id"/> is unknown or older than the last 1,000 requests (the log keeps every request; details only for those).
    /// </summary>
    public EmulatorRequestDetail? GetRequestDetail(long id) => _log.Detail(id);

    /// <summary>How many tokens <c>/v2/token</c> has issued.</summary>
    public long TokenRequests => _auth.TokenRequests;

    /// <summary>Every token issued, in order: which client asked, for which account (MID) and scope.</summary>
    public IReadOnlyList<EmulatorTokenGrant> TokenGrants => _auth.Grants;

    /// <summary>Every access token issued (for tests that prove tokens never reach logs or messages).</summary>
    public IReadOnlyCollection<string> IssuedTokens => _auth.Issued;

    /// <summary>Starts an emulator on 127.0.0.1 (a free port unless <see cref="SfmcEmulatorOptions.Port"/> is set).</summary>
    public static async Task<SfmcEmulator> StartAsync(Action<SfmcEmulatorOptions>? configure = null, CancellationToken cancellationToken = default)
    {
        var options = new SfmcEmulatorOptions();
        configure?.Invoke(options);

        // Files first: a broken one fails before a port or a database is taken.
        var tenant = EmulatorTenant.Build(options);
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
            await store.SaveSoapObjectsAsync("Automation", options.AutomationImports.Select(a => (a.Key, (IReadOnlyDictionary<string, string?>)new Dictionary<string, string?>(StringComparer.Ordinal)
            {
                ["CustomerKey"] = a.Key,
                ["Name"] = a.Key,
                ["ObjectID"] = EmulatorSoap.AutomationObjectId(a.Key),
                ["Status"] = "2", // Ready
                ["ImportDefinitionKey"] = a.Value,
            })), cancellationToken);
            emulator = new SfmcEmulator(app, store, options, tenant);
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
            .Select(row => row.ToDictionary(p => p.Key, p => JsonSerializer.SerializeToElement(p.Value, SfmcResponses.Json), StringComparer.OrdinalIgnoreCase))
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

    private void Map(WebApplication app)
    {
        app.UseRouting();
        app.Use(_gate.InvokeAsync);

        // Readiness for scripts and service managers: no token, no rate limit, no faults, not logged.
        app.MapGet("/", Health).EmulatorUtility();
        app.MapGet("/health", Health).EmulatorUtility();

        _auth.Map(app);
        _dataExtensions.Map(app);
        _soap.Map(app);
        _journeys.Map(app);
        _messaging.Map(app);
        _page.Map(app);
        app.MapFallback((HttpContext context) => SfmcResponses.WriteErrorAsync(context, HttpStatusCode.NotFound, $"The emulator does not implement {context.Request.Method} {context.Request.Path}.", 0))
            .RequireSfmcToken();

        static Task Health(HttpContext context) => SfmcResponses.WriteJsonAsync(context, HttpStatusCode.OK, new { status = "ok", service = "sfmc-emulator" });
    }

    /// <summary>Stops the server and releases the database.</summary>
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();

        // Background async jobs use the database: they stop before it closes.
        await _dataExtensions.DisposeAsync();
        await _store.DisposeAsync();
    }

    private sealed class EmbeddedLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
