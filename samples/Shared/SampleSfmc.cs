// The samples' one switch between a real tenant and the embedded emulator (linked into each sample).
using System;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Sfmc.Client;
using Sfmc.Emulator;

namespace Sfmc.Samples;

/// <summary>
/// With <c>SFMC__AUTHBASEURI</c>, <c>SFMC__CLIENTID</c> and <c>SFMC__CLIENTSECRET</c> (optionally <c>SFMC__ACCOUNTID</c>)
/// set, a sample talks to that tenant; without them it starts the SFMC emulator in-process, so it runs anywhere.
/// </summary>
public static class SampleSfmc
{
    /// <summary>The <c>Sfmc</c> section of the environment (SFMC__*), unless the caller has its own configuration.</summary>
    public static IConfigurationSection Settings(IConfiguration? configuration = null) =>
        (configuration ?? new ConfigurationBuilder().AddEnvironmentVariables().Build()).GetSection("Sfmc");

    /// <summary>Null when the settings name a tenant; else a started emulator set up by <paramref name="configure"/>.</summary>
    public static async Task<SfmcEmulator?> StartEmulatorUnlessTenantAsync(IConfigurationSection settings, Action<SfmcEmulatorOptions> configure, CancellationToken cancellationToken = default)
    {
        if (settings["AuthBaseUri"] is { Length: > 0 } tenant)
        {
            Console.WriteLine($"Using the tenant at {tenant}.");
            return null;
        }

        var emulator = await SfmcEmulator.StartAsync(configure, cancellationToken);
        Console.WriteLine($"Using the embedded SFMC emulator at {emulator.BaseUri} (set SFMC__AUTHBASEURI, SFMC__CLIENTID and SFMC__CLIENTSECRET to use a tenant).");
        return emulator;
    }

    /// <summary>Registers the SfmcClient (named, when <paramref name="name"/> is given) for the tenant or the emulator.</summary>
    public static IHttpClientBuilder AddSfmc(IServiceCollection services, IConfigurationSection settings, SfmcEmulator? emulator, string? name = null, string? accountId = null)
    {
        void Configure(SfmcClientOptions o)
        {
            if (emulator is null)
            {
                settings.Bind(o);
            }
            else
            {
                o.AuthBaseUri = emulator.BaseUri;
                o.ClientId = emulator.ClientId;
                o.ClientSecret = emulator.ClientSecret;
            }

            o.AccountId = accountId ?? o.AccountId;
        }

        return name is null ? services.AddSfmc(Configure) : services.AddSfmc(name, Configure);
    }
}
