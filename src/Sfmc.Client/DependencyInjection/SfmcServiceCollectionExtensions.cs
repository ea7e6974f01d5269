using System;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Sfmc.Client;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers SFMC clients.</summary>
public static class SfmcServiceCollectionExtensions
{
    /// <summary>Adds the default SFMC client, configured by a delegate. Options are validated at start.</summary>
    public static IHttpClientBuilder AddSfmc(this IServiceCollection services, Action<SfmcClientOptions> configure) =>
        services.AddSfmc(Options.Options.DefaultName, configure);

    /// <summary>Adds the default SFMC client, bound to a configuration section (e.g. <c>Sfmc</c>).</summary>
    public static IHttpClientBuilder AddSfmc(this IServiceCollection services, IConfiguration configuration) =>
        services.AddSfmc(Options.Options.DefaultName, configuration);

    /// <summary>Adds a named SFMC client (one per business unit, say), bound to a configuration section.</summary>
    public static IHttpClientBuilder AddSfmc(this IServiceCollection services, string name, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return services.AddSfmc(name, options => configuration.Bind(options));
    }

    /// <summary>
    /// Adds a named SFMC client. Returns its <see cref="IHttpClientBuilder"/> for further handlers. Resolve it with
    /// <see cref="ISfmcClientFactory.CreateClient"/> (the default one is also registered as <see cref="SfmcClient"/>).
    /// </summary>
    public static IHttpClientBuilder AddSfmc(this IServiceCollection services, string name, Action<SfmcClientOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(configure);

        services.AddOptions<SfmcClientOptions>(name).Configure(configure).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<SfmcClientOptions>, SfmcClientOptionsValidator>());
        services.AddLogging();
        services.AddMetrics();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<ISfmcTokenStore, InMemorySfmcTokenStore>();
        services.TryAddSingleton<SfmcTelemetry>();
        services.TryAddSingleton<SfmcClientFactory>();
        services.TryAddSingleton<ISfmcClientFactory>(sp => sp.GetRequiredService<SfmcClientFactory>());
        if (name == Options.Options.DefaultName)
        {
            services.TryAddTransient(sp => sp.GetRequiredService<ISfmcClientFactory>().CreateClient(name));
        }

        // The token endpoint: its own client, retried on throttling and server errors (a token request is safe to repeat).
        // IHttpClientFactory's own loggers are removed: at Trace level their structured state carries raw header
        // values (the bearer token) even though the message text is redacted. Our handlers log what is safe.
        var auth = services.AddHttpClient(SfmcClientFactory.AuthClientName(name))
            .RemoveAllLoggers();
        auth.AddResilienceHandler(SfmcResilience.AuthPipelineName, (pipeline, context) =>
            SfmcResilience.ConfigureAuthPipeline(pipeline, context.ServiceProvider.GetRequiredService<IOptionsMonitor<SfmcClientOptions>>().Get(name)));
        auth.AddHttpMessageHandler(sp => new SfmcResponseBufferHandler(sp.GetRequiredService<IOptionsMonitor<SfmcClientOptions>>().Get(name).MaxResponseBytes));

        var api = services.AddHttpClient(SfmcClientFactory.ApiClientName(name), client =>
        {
            client.BaseAddress = SfmcAuthenticationHandler.Placeholder;
            client.Timeout = System.Threading.Timeout.InfiniteTimeSpan; // timeouts belong to the pipeline
        }).RemoveAllLoggers();

        // Total timeout → retry → rate limiter → attempt timeout (SfmcResilience); then, per attempt: tokens and URLs,
        // measuring, and innermost the body read (bounded) inside the attempt, under its timeouts.
        api.AddResilienceHandler(SfmcResilience.ApiPipelineName, (pipeline, context) =>
        {
            var sp = context.ServiceProvider;
            SfmcResilience.ConfigureApiPipeline(
                pipeline,
                sp.GetRequiredService<IOptionsMonitor<SfmcClientOptions>>().Get(name),
                sp.GetService<TimeProvider>() ?? TimeProvider.System,
                sp.GetRequiredService<SfmcTelemetry>(),
                sp.GetRequiredService<ILoggerFactory>().CreateLogger("Sfmc.Client"),
                context.OnPipelineDisposed,
                sp,
                sp.GetRequiredService<SfmcClientFactory>().GetTokenProvider(name));
        });
        api.AddHttpMessageHandler(sp => sp.GetRequiredService<SfmcClientFactory>().CreateAuthenticationHandler(name));
        api.AddHttpMessageHandler(sp => sp.GetRequiredService<SfmcClientFactory>().CreateTelemetryHandler());
        api.AddHttpMessageHandler(sp => new SfmcResponseBufferHandler(sp.GetRequiredService<IOptionsMonitor<SfmcClientOptions>>().Get(name).MaxResponseBytes));
        return api;
    }
}
