using System;
using System.Collections.Concurrent;
using System.Net.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Sfmc.Client;

/// <summary>Creates named SFMC clients.</summary>
public interface ISfmcClientFactory
{
    /// <summary>The client registered with <c>AddSfmc(name, …)</c>.</summary>
    SfmcClient CreateClient(string name);
}

/// <summary>Holds one token provider per named client (never static, never shared between names).</summary>
internal sealed class SfmcClientFactory(IHttpClientFactory httpClients, IOptionsMonitor<SfmcClientOptions> options, ISfmcTokenStore store, TimeProvider time, SfmcTelemetry telemetry, ILoggerFactory loggers) : ISfmcClientFactory
{
    private readonly ConcurrentDictionary<string, SfmcTokenProvider> _tokens = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, System.Threading.SemaphoreSlim> _importGates = new(StringComparer.Ordinal);

    public static string AuthClientName(string name) => "Sfmc.Auth." + name;

    public static string ApiClientName(string name) => "Sfmc.Api." + name;

    public SfmcClient CreateClient(string name) =>
        new(name, () => httpClients.CreateClient(ApiClientName(name)), options.Get(name), time, telemetry, loggers.CreateLogger("Sfmc.Client"), _importGates);

    internal SfmcTokenProvider GetTokenProvider(string name) => _tokens.GetOrAdd(name, n => new SfmcTokenProvider(
        n, options.Get(n), () => httpClients.CreateClient(AuthClientName(n)), store, time, telemetry, loggers.CreateLogger("Sfmc.Client.Auth")));

    internal SfmcAuthenticationHandler CreateAuthenticationHandler(string name) =>
        new(GetTokenProvider(name), loggers.CreateLogger("Sfmc.Client"));

    internal SfmcTelemetryHandler CreateTelemetryHandler() =>
        new(telemetry, time, loggers.CreateLogger("Sfmc.Client"));
}
