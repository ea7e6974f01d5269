using System;
using System.Collections.Generic;
using System.Net;
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

    /// <summary>
    /// The folder the emulator sees as the account's SFTP (Enhanced FTP) root: an ImportDefinition started with Perform
    /// reads <c>Import/&lt;FileSpec&gt;</c> under it. In tests, the folder a real SSH server serves. Null: no files.
    /// </summary>
    public string? FileTransferRoot { get; set; }

    /// <summary>
    /// Automations the tenant has, by CustomerKey, each with the CustomerKey of the ImportDefinition its one step runs
    /// (a File Drop or scheduled import). SOAP Retrieve lists them; Perform <c>start</c> runs the import.
    /// </summary>
    public IDictionary<string, string> AutomationImports { get; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>A SQLite file to keep rows across restarts; null keeps them in memory.</summary>
    public string? DatabasePath { get; set; }

    /// <summary>
    /// Requests allowed per <see cref="RateLimitWindow"/>; null for no limit. Above it: 429, Retry-After, errorcode 50100.
    /// The starting value: <see cref="EmulatorFaults.RateLimit"/> (and the web page) change it while the emulator runs.
    /// </summary>
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
