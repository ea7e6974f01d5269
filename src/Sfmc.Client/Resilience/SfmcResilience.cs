using System;
using System.Net;
using System.Net.Http;
using System.Threading.RateLimiting;
using System.Threading.Tasks;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.Timeout;

namespace Sfmc.Client;

/// <summary>
/// The SFMC clients' resilience pipelines, their retry predicate and their constants, in one place. The API pipeline
/// runs, outermost first: total timeout → retry → rate limiter → attempt timeout; then, per attempt, the
/// authentication handler (tokens and URLs), <see cref="SfmcTelemetryHandler"/> (measures each exchange) and
/// <see cref="SfmcResponseBufferHandler"/> (reads the body inside the attempt). The token endpoint's pipeline only
/// retries.
/// </summary>
internal static class SfmcResilience
{
    /// <summary>The API client's resilience handler.</summary>
    public const string ApiPipelineName = "sfmc";

    /// <summary>The token endpoint client's resilience handler.</summary>
    public const string AuthPipelineName = "sfmc-auth";

    /// <summary>Total timeout → retry → rate limiter → attempt timeout.</summary>
    public static void ConfigureApiPipeline(ResiliencePipelineBuilder<HttpResponseMessage> pipeline, SfmcClientOptions options, TimeProvider time, SfmcTelemetry telemetry, ILogger logger, Action<Action> onDisposed, IServiceProvider services, SfmcTokenProvider tokens)
    {
        pipeline.AddTimeout(options.Retry.TotalTimeout);
        if (options.Retry.MaxRetryAttempts > 0) // Polly requires at least one; 0 means "no retry strategy"
        {
            pipeline.AddRetry(ApiRetry(options, time, telemetry, logger));
        }

        // Inside the retry: every attempt, retries included, spends the budget (outside, retries would burst past it).
        // The app's limiter (e.g. one budget shared through Redis), or the in-process one for RequestsPerMinute.
        var limiter = options.RateLimiterFactory is { } factory
            ? factory(services, options)
            : options.RequestsPerMinute is { } perMinute ? PacedLimiter(perMinute) : null;
        if (limiter is not null)
        {
            onDisposed(limiter.Dispose);
            pipeline.AddRateLimiter(new TokenFirstRateLimiter(limiter, tokens));
        }

        pipeline.AddTimeout(options.Retry.AttemptTimeout);
    }

    /// <summary>
    /// Paced, not bursty: one permit every 60 s / budget. A bucket that bursts would let a full bucket plus a refill land
    /// inside one of the tenant's counting windows and overrun it. Callers queue rather than fail.
    /// </summary>
    private static TokenBucketRateLimiter PacedLimiter(int perMinute) => new(new TokenBucketRateLimiterOptions
    {
        TokenLimit = 1,
        TokensPerPeriod = 1,
        ReplenishmentPeriod = TimeSpan.FromSeconds(60.0 / perMinute),
        QueueLimit = int.MaxValue,
        QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
        AutoReplenishment = true,
    });

    /// <summary>The token endpoint: retried on throttling and server errors (a token request is safe to repeat).</summary>
    public static void ConfigureAuthPipeline(ResiliencePipelineBuilder<HttpResponseMessage> pipeline, SfmcClientOptions options)
    {
        if (options.Retry.MaxRetryAttempts > 0)
        {
            pipeline.AddRetry(RetryOptions(options.Retry));
        }
    }

    /// <summary>
    /// Throttling (429, or a SOAP throttling fault) and 503 mean SFMC did not process the request: always retried. A
    /// SOAP Client or Security fault would come back the same: never retried. Other server errors, timeouts and
    /// connection failures may have reached SFMC: retried only when the request is safe to replay. The answer is
    /// classified from itself (its buffered body holds the SOAP fault), once per attempt.
    /// </summary>
    internal static bool ShouldRetry(HttpRequestMessage? request, Outcome<HttpResponseMessage> outcome, bool replayable)
    {
        if (outcome.Result is { } response)
        {
            if (response.StatusCode == HttpStatusCode.InternalServerError && request is not null && SfmcAnswer.SoapFaultOf(request, response) is { } fault)
            {
                return Soap.SoapEnvelope.IsThrottling(fault) || (!Soap.SoapEnvelope.IsRequestFault(fault) && replayable);
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

    private static HttpRetryStrategyOptions ApiRetry(SfmcClientOptions options, TimeProvider time, SfmcTelemetry telemetry, ILogger logger)
    {
        var retry = RetryOptions(options.Retry);
        retry.ShouldRetryAfterHeader = true;
        retry.ShouldHandle = args =>
        {
            var request = args.Context.GetRequestMessage();
            return ValueTask.FromResult(
                ShouldRetry(request, args.Outcome, Replayable(request))
                && !RetryAfterOutlastsTotalTimeout(request, args.Outcome, options.Retry.TotalTimeout, time));
        };
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
        return retry;
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

    private static bool Replayable(HttpRequestMessage? request) =>
        request is not null
        && (request.Method == HttpMethod.Get || (request.Options.TryGetValue(SfmcRequestContext.Key, out var requestContext) && requestContext.Replayable));

    /// <summary>
    /// A Retry-After that ends past the request's total timeout is not waited for (the wait could only end in a
    /// timeout that hides the throttling): the caller gets <see cref="SfmcRateLimitedException"/> with
    /// <see cref="SfmcRateLimitedException.RetryAfter"/> at once, and can schedule the work for later.
    /// </summary>
    private static bool RetryAfterOutlastsTotalTimeout(HttpRequestMessage? request, Outcome<HttpResponseMessage> outcome, TimeSpan totalTimeout, TimeProvider time)
    {
        if (outcome.Result?.Headers.RetryAfter is not { } retryAfter)
        {
            return false;
        }

        var wait = retryAfter.Delta ?? (retryAfter.Date is { } date ? date - time.GetUtcNow() : TimeSpan.Zero);
        var spent = request is not null && request.Options.TryGetValue(SfmcRequestContext.Key, out var requestContext)
            ? time.GetElapsedTime(requestContext.Started)
            : TimeSpan.Zero;
        return wait > totalTimeout - spent;
    }
}

/// <summary>What an SFMC answer is, read from the answer itself: its SOAP fault (parsed once), whether it is throttling.</summary>
internal static class SfmcAnswer
{
    /// <summary>The fault of a SOAP call's unsuccessful answer; else null. Parsed once per answer (the body is buffered).</summary>
    public static Soap.SoapFault? SoapFaultOf(HttpRequestMessage request, HttpResponseMessage response) =>
        request.Content is Soap.SoapEnvelopeContent && !response.IsSuccessStatusCode && response.Content is SfmcBufferedContent buffered
            ? buffered.SoapFault
            : null;

    /// <summary>SFMC throttled the call: HTTP 429 over REST, a throttling fault (HTTP 500) over SOAP.</summary>
    public static bool IsThrottled(HttpRequestMessage request, HttpResponseMessage response) =>
        response.StatusCode == HttpStatusCode.TooManyRequests
        || (response.StatusCode == HttpStatusCode.InternalServerError && SoapFaultOf(request, response) is { } fault && Soap.SoapEnvelope.IsThrottling(fault));
}

/// <summary>
/// Gets the access token (cached, or requested now) before taking a permit from the budget, so a slot is not spent
/// waiting for the token endpoint: otherwise the requests queued behind a token request would be sent together when
/// it returns, a burst the pacing exists to prevent. The authentication handler then finds the token cached.
/// </summary>
internal sealed class TokenFirstRateLimiter(RateLimiter inner, SfmcTokenProvider tokens) : RateLimiter
{
    public override TimeSpan? IdleDuration => inner.IdleDuration;

    public override RateLimiterStatistics? GetStatistics() => inner.GetStatistics();

    protected override RateLimitLease AttemptAcquireCore(int permitCount) => inner.AttemptAcquire(permitCount);

    protected override async ValueTask<RateLimitLease> AcquireAsyncCore(int permitCount, System.Threading.CancellationToken cancellationToken)
    {
        await tokens.GetTokenAsync(null, cancellationToken);
        return await inner.AcquireAsync(permitCount, cancellationToken);
    }
}
