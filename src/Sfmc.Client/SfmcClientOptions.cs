using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.Extensions.Options;

namespace Sfmc.Client;

/// <summary>One SFMC connection: an installed package's API integration, optionally for one business unit.</summary>
public sealed class SfmcClientOptions
{
    /// <summary>The tenant's auth base URI, <c>https://{subdomain}.auth.marketingcloudapis.com/</c>. Required; never a generic host.</summary>
    public Uri? AuthBaseUri { get; set; }

    /// <summary>The installed package's client id.</summary>
    public string ClientId { get; set; } = "";

    /// <summary>The installed package's client secret. Never logged, never in an exception or ToString.</summary>
    public string ClientSecret { get; set; } = "";

    /// <summary>The MID of the business unit to act in; null for the integration's default.</summary>
    public string? AccountId { get; set; }

    /// <summary>Space-separated scopes to request; null for the package's scopes.</summary>
    public string? Scope { get; set; }

    /// <summary>How long before <c>expires_in</c> runs out the token is refreshed (default 60 s).</summary>
    public TimeSpan TokenRefreshMargin { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Instance URLs from the token response must be https on a host ending with this (default <c>.marketingcloudapis.com</c>); plain http only on loopback.</summary>
    public string AllowedHostSuffix { get; set; } = ".marketingcloudapis.com";

    /// <summary>Row batches for the synchronous rowset endpoint.</summary>
    public SfmcBatchingOptions Batching { get; set; } = new();

    /// <summary>Retries and timeouts.</summary>
    public SfmcRetryOptions Retry { get; set; } = new();

    /// <summary>The account's SFTP, for file-drop imports (<see cref="SfmcClient.FileTransfer"/>, <c>ImportAsync</c>). Optional.</summary>
    public SfmcFileTransferOptions FileTransfer { get; set; } = new();

    /// <summary>A client-side budget of requests per minute so bulk work runs just under the tenant's ceiling; null for none.</summary>
    public int? RequestsPerMinute { get; set; }

    /// <summary>
    /// Creates the rate limiter every attempt (retries included) goes through, instead of the in-process one
    /// <see cref="RequestsPerMinute"/> makes: e.g. one budget shared by every process of a tenant (the Sfmc.Redis
    /// package's <c>UseRedisRateBudget</c>). Called once per named client, with the client's options. The limiter
    /// should queue callers rather than reject them.
    /// </summary>
    public Func<IServiceProvider, SfmcClientOptions, System.Threading.RateLimiting.RateLimiter>? RateLimiterFactory { get; set; }

    /// <summary>
    /// The deepest element nesting a SOAP response may have (default 64, as System.Text.Json's MaxDepth; real responses
    /// nest about ten levels). Deeper is an <see cref="SfmcException"/> naming the limit, before the reading code recurses
    /// into it: a hostile or broken response cannot exhaust the stack. JSON responses keep System.Text.Json's own 64.
    /// </summary>
    public int MaxSoapDepth { get; set; } = Soap.SoapReader.DefaultMaxDepth;

    /// <summary>
    /// The most bytes read of one response (default 128 MB; a full SOAP page of 2,500 rows of a 50-field DE is about
    /// 20 MB). The body is read inside the attempt, under its timeout; a larger or endless answer is an
    /// <see cref="SfmcException"/> naming this limit, not an out-of-memory failure.
    /// </summary>
    public long MaxResponseBytes { get; set; } = 128L * 1024 * 1024;
}

/// <summary>How rows are grouped into requests.</summary>
public sealed class SfmcBatchingOptions
{
    /// <summary>SFMC's hard limit for one rowset request body: 5 MB.</summary>
    public const int MaxRequestBytesLimit = 5 * 1024 * 1024;

    /// <summary>Most rows per request (default 500). SFMC documents the payload limit, not a row limit.</summary>
    public int MaxRowsPerRequest { get; set; } = 500;

    /// <summary>Most serialized bytes per request (default and maximum: 5 MB).</summary>
    public int MaxBytesPerRequest { get; set; } = MaxRequestBytesLimit;

    /// <summary>Requests in flight at once for one operation (default 4).</summary>
    public int MaxConcurrentRequests { get; set; } = 4;
}

/// <summary>Retry and timeout settings (Polly v8 underneath).</summary>
public sealed class SfmcRetryOptions
{
    /// <summary>Retries after the first attempt (default 5).</summary>
    public int MaxRetryAttempts { get; set; } = 5;

    /// <summary>First backoff delay; grows exponentially with jitter (default 1 s). A Retry-After header wins.</summary>
    public TimeSpan BaseDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Longest single delay (default 30 s).</summary>
    public TimeSpan MaxDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Timeout of one attempt (default 100 s).</summary>
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(100);

    /// <summary>Timeout of a request including all retries (default 5 min).</summary>
    public TimeSpan TotalTimeout { get; set; } = TimeSpan.FromMinutes(5);
}

/// <summary>Checks <see cref="SfmcClientOptions"/> as a whole; every problem is reported at once, at start-up.</summary>
internal sealed class SfmcClientOptionsValidator : IValidateOptions<SfmcClientOptions>
{
    public ValidateOptionsResult Validate(string? name, SfmcClientOptions options)
    {
        var errors = new List<string>();
        if (options.AuthBaseUri is not { IsAbsoluteUri: true } auth)
        {
            errors.Add("AuthBaseUri is required: https://{subdomain}.auth.marketingcloudapis.com/.");
        }
        else if (!SfmcEndpoints.IsAllowed(auth, options.AllowedHostSuffix))
        {
            errors.Add($"AuthBaseUri '{auth.GetLeftPart(UriPartial.Authority)}' must be https on a host ending with '{options.AllowedHostSuffix}' (plain http only on loopback).");
        }

        if (string.IsNullOrWhiteSpace(options.ClientId))
        {
            errors.Add("ClientId is required.");
        }

        if (string.IsNullOrWhiteSpace(options.ClientSecret))
        {
            errors.Add("ClientSecret is required.");
        }

        if (options.TokenRefreshMargin < TimeSpan.Zero || options.TokenRefreshMargin >= TimeSpan.FromMinutes(15))
        {
            errors.Add("TokenRefreshMargin must be between 0 and 15 minutes (SFMC tokens live about 18 minutes).");
        }

        if (!options.AllowedHostSuffix.StartsWith('.'))
        {
            errors.Add("AllowedHostSuffix must start with '.', e.g. '.marketingcloudapis.com'.");
        }

        var batching = options.Batching;
        if (batching.MaxRowsPerRequest < 1)
        {
            errors.Add("Batching.MaxRowsPerRequest must be at least 1.");
        }

        if (batching.MaxBytesPerRequest < 1024 || batching.MaxBytesPerRequest > SfmcBatchingOptions.MaxRequestBytesLimit)
        {
            errors.Add($"Batching.MaxBytesPerRequest must be between 1 KB and {SfmcBatchingOptions.MaxRequestBytesLimit} bytes (SFMC's 5 MB limit).");
        }

        if (batching.MaxConcurrentRequests is < 1 or > 64)
        {
            errors.Add("Batching.MaxConcurrentRequests must be between 1 and 64.");
        }

        var retry = options.Retry;
        if (retry.MaxRetryAttempts is < 0 or > 20)
        {
            errors.Add("Retry.MaxRetryAttempts must be between 0 and 20.");
        }

        if (retry.BaseDelay <= TimeSpan.Zero || retry.MaxDelay < retry.BaseDelay)
        {
            errors.Add("Retry.BaseDelay must be positive and no more than Retry.MaxDelay.");
        }

        if (retry.AttemptTimeout <= TimeSpan.Zero || retry.AttemptTimeout > retry.TotalTimeout)
        {
            errors.Add("Retry.AttemptTimeout must be positive and no more than Retry.TotalTimeout.");
        }

        if (options.MaxSoapDepth is < 16 or > 1000)
        {
            errors.Add("MaxSoapDepth must be between 16 and 1000 (SOAP responses nest about ten levels; deeper nesting risks the stack).");
        }

        if (options.MaxResponseBytes is < 1024 * 1024 or > int.MaxValue)
        {
            errors.Add("MaxResponseBytes must be between 1 MB and 2 GB.");
        }

        if (options.RequestsPerMinute is < 1)
        {
            errors.Add("RequestsPerMinute must be at least 1 (or null for no client-side limit).");
        }

        ValidateFileTransfer(options.FileTransfer, errors);
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    /// <summary>Checked only when a host is set: SFTP is optional.</summary>
    private static void ValidateFileTransfer(SfmcFileTransferOptions sftp, List<string> errors)
    {
        if (string.IsNullOrWhiteSpace(sftp.Host))
        {
            return;
        }

        if (string.IsNullOrWhiteSpace(sftp.Username))
        {
            errors.Add("FileTransfer.Username is required with FileTransfer.Host.");
        }

        if (string.IsNullOrEmpty(sftp.Password) && string.IsNullOrEmpty(sftp.PrivateKey) && string.IsNullOrEmpty(sftp.PrivateKeyPath))
        {
            errors.Add("FileTransfer needs a Password, a PrivateKey or a PrivateKeyPath.");
        }

        if (sftp.HostKeySha256.Count == 0 || sftp.HostKeySha256.Any(string.IsNullOrWhiteSpace))
        {
            errors.Add("FileTransfer.HostKeySha256 must list the SFTP server's host key fingerprints (SHA256:…); unknown host keys are refused.");
        }

        if (sftp.Port is < 1 or > 65535)
        {
            errors.Add("FileTransfer.Port must be between 1 and 65535.");
        }

        if (sftp.MaxResumeAttempts is < 0 or > 100 || sftp.ResumeBufferBytes < 64 * 1024 || sftp.Timeout <= TimeSpan.Zero)
        {
            errors.Add("FileTransfer.MaxResumeAttempts must be 0–100, ResumeBufferBytes at least 64 KB and Timeout positive.");
        }
    }
}

/// <summary>Which hosts the client talks to.</summary>
internal static class SfmcEndpoints
{
    /// <summary>https on a host under <paramref name="hostSuffix"/>, or http(s) on loopback (the emulator).</summary>
    public static bool IsAllowed(Uri uri, string hostSuffix)
    {
        if (!uri.IsAbsoluteUri)
        {
            return false;
        }

        if (uri.IsLoopback)
        {
            return uri.Scheme is "http" or "https";
        }

        return uri.Scheme == Uri.UriSchemeHttps && uri.Host.EndsWith(hostSuffix, StringComparison.OrdinalIgnoreCase);
    }
}
