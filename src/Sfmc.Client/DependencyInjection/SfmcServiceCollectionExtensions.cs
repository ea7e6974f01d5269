using System;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Http;
using System.Threading.RateLimiting;
using System.Threading.Tasks;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Timeout;
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
        // values (the bearer token) even though the message text is redacted. Our handler logs what is safe.
        var auth = services.AddHttpClient(SfmcClientFactory.AuthClientName(name))
            .RemoveAllLoggers();
        auth.AddResilienceHandler("sfmc-auth", (pipeline, context) =>
            {
                var options = context.ServiceProvider.GetRequiredService<IOptionsMonitor<SfmcClientOptions>>().Get(name);
                if (options.Retry.MaxRetryAttempts == 0)
                {
                    return;
                }

                pipeline.AddRetry(RetryOptions(options.Retry));
            });
        auth.AddHttpMessageHandler(sp => new SfmcResponseBufferHandler(sp.GetRequiredService<IOptionsMonitor<SfmcClientOptions>>().Get(name).MaxResponseBytes));

        var api = services.AddHttpClient(SfmcClientFactory.ApiClientName(name), client =>
        {
            client.BaseAddress = SfmcAuthenticationHandler.Placeholder;
            client.Timeout = System.Threading.Timeout.InfiniteTimeSpan; // timeouts belong to the pipeline
        }).RemoveAllLoggers();

        // Total timeout → retry → rate limiter → attempt timeout; then auth (so every attempt has a valid token).
        api.AddResilienceHandler("sfmc", (pipeline, context) => ConfigurePipeline(pipeline, context, name));
        api.AddHttpMessageHandler(sp => sp.GetRequiredService<SfmcClientFactory>().CreateAuthenticationHandler(name));
        // Innermost: the body is read (bounded) inside the attempt, under its timeouts.
        api.AddHttpMessageHandler(sp => new SfmcResponseBufferHandler(sp.GetRequiredService<IOptionsMonitor<SfmcClientOptions>>().Get(name).MaxResponseBytes));
        return api;
    }

    private static void ConfigurePipeline(ResiliencePipelineBuilder<HttpResponseMessage> pipeline, ResilienceHandlerContext context, string name)
    {
        var services = context.ServiceProvider;
        var options = services.GetRequiredService<IOptionsMonitor<SfmcClientOptions>>().Get(name);
        var telemetry = services.GetRequiredService<SfmcTelemetry>();
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger("Sfmc.Client");

        pipeline.AddTimeout(options.Retry.TotalTimeout);
        if (options.Retry.MaxRetryAttempts > 0) // Polly requires at least one; 0 means "no retry strategy"
        {
            AddRetry(pipeline, options, services.GetService<TimeProvider>() ?? TimeProvider.System, telemetry, logger);
        }

        // Inside the retry: every attempt, retries included, spends the budget (outside, retries would burst past it).
        if (options.RequestsPerMinute is { } perMinute)
        {
            // Paced, not bursty: one permit every 60 s / budget. A bucket that bursts would let a full bucket plus a
            // refill land inside one of the tenant's counting windows and overrun it. Callers queue rather than fail.
            var limiter = new TokenBucketRateLimiter(new TokenBucketRateLimiterOptions
            {
                TokenLimit = 1,
                TokensPerPeriod = 1,
                ReplenishmentPeriod = TimeSpan.FromSeconds(60.0 / perMinute),
                QueueLimit = int.MaxValue,
                QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
                AutoReplenishment = true,
            });
            context.OnPipelineDisposed(limiter.Dispose);
            pipeline.AddRateLimiter(limiter);
        }

        pipeline.AddTimeout(options.Retry.AttemptTimeout);
    }

    private static void AddRetry(ResiliencePipelineBuilder<HttpResponseMessage> pipeline, SfmcClientOptions options, TimeProvider time, SfmcTelemetry telemetry, ILogger logger)
    {
        var retry = RetryOptions(options.Retry);
        retry.ShouldRetryAfterHeader = true;
        retry.ShouldHandle = args => ValueTask.FromResult(
            ShouldRetry(args.Outcome, Replayable(args.Context), TakeSoapFault(args.Context))
            && !RetryAfterOutlastsTotalTimeout(args.Outcome, args.Context, options.Retry.TotalTimeout, time));
        retry.OnRetry = args =>
        {
            var request = args.Context.GetRequestMessage();
            if (request is not null && request.Options.TryGetValue(SfmcRequestContext.Key, out var requestContext))
            {
                requestContext.AddRetry();
            }

            telemetry.Retries.Add(1);
            var outcome = args.Outcome.Result is { } response ? ((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture) : args.Outcome.Exception?.GetType().Name ?? "unknown";
            Log.RetryScheduled(logger, request?.Method.Method ?? "?", request?.RequestUri?.AbsolutePath ?? "?", args.AttemptNumber + 1, outcome, (long)args.RetryDelay.TotalMilliseconds);
            return default;
        };
        pipeline.AddRetry(retry);
    }

    /// <summary>Attempts, exponential backoff with jitter and the delay bounds both pipelines share.</summary>
    private static HttpRetryStrategyOptions RetryOptions(SfmcRetryOptions retry) => new()
    {
        MaxRetryAttempts = retry.MaxRetryAttempts,
        Delay = retry.BaseDelay,
        MaxDelay = retry.MaxDelay,
        BackoffType = DelayBackoffType.Exponential,
        UseJitter = true,
    };

    /// <summary>
    /// A Retry-After that ends past the request's total timeout is not waited for (the wait could only end in a
    /// timeout that hides the throttling): the caller gets <see cref="SfmcRateLimitedException"/> with
    /// <see cref="SfmcRateLimitedException.RetryAfter"/> at once, and can schedule the work for later.
    /// </summary>
    private static bool RetryAfterOutlastsTotalTimeout(Outcome<HttpResponseMessage> outcome, ResilienceContext context, TimeSpan totalTimeout, TimeProvider time)
    {
        if (outcome.Result?.Headers.RetryAfter is not { } retryAfter)
        {
            return false;
        }

        var wait = retryAfter.Delta ?? (retryAfter.Date is { } date ? date - time.GetUtcNow() : TimeSpan.Zero);
        var spent = context.GetRequestMessage() is { } request && request.Options.TryGetValue(SfmcRequestContext.Key, out var requestContext)
            ? time.GetElapsedTime(requestContext.Started)
            : TimeSpan.Zero;
        return wait > totalTimeout - spent;
    }

    private static bool Replayable(ResilienceContext context) =>
        context.GetRequestMessage() is { } request
        && (request.Method == HttpMethod.Get || (request.Options.TryGetValue(SfmcRequestContext.Key, out var requestContext) && requestContext.Replayable));

    /// <summary>How the authentication handler classified a SOAP fault on the last attempt; read and cleared here.</summary>
    private static SoapFaultKind TakeSoapFault(ResilienceContext context) =>
        context.GetRequestMessage() is { } request && request.Options.TryGetValue(SfmcRequestContext.Key, out var requestContext)
            ? requestContext.TakeSoapFault()
            : SoapFaultKind.None;

    /// <summary>
    /// Throttling (429, or a SOAP throttling fault) and 503 mean SFMC did not process the request: always retried. A
    /// SOAP Client or Security fault would come back the same: never retried. Other server errors, timeouts and
    /// connection failures may have reached SFMC: retried only when the request is safe to replay.
    /// </summary>
    internal static bool ShouldRetry(Outcome<HttpResponseMessage> outcome, bool replayable, SoapFaultKind soapFault = SoapFaultKind.None)
    {
        if (outcome.Result is { } response)
        {
            if (response.StatusCode == HttpStatusCode.InternalServerError && soapFault != SoapFaultKind.None)
            {
                return soapFault == SoapFaultKind.Throttled;
            }

            return response.StatusCode switch
            {
                HttpStatusCode.TooManyRequests or HttpStatusCode.ServiceUnavailable => true,
                HttpStatusCode.InternalServerError or HttpStatusCode.BadGateway or HttpStatusCode.GatewayTimeout or HttpStatusCode.RequestTimeout => replayable,
                _ => false,
            };
        }

        return replayable && outcome.Exception is HttpRequestException or TimeoutRejectedException;
    }
}
