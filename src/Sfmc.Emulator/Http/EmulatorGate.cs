using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Net;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Sfmc.Emulator;

/// <summary>
/// What every SFMC endpoint goes through, in order, as the endpoint's metadata declares it (see
/// <see cref="EmulatorEndpoints"/>): the endpoint's body limit (413 in SFMC's shape), injected latency and faults,
/// the rate limit (429 over REST, a SOAP fault over SOAP), the bearer token (401) and the declared scope (403); then the
/// endpoint, whose JSON-shape errors become SFMC's 400. Every request is logged (<see cref="EmulatorRequestLog"/>).
/// </summary>
internal sealed class EmulatorGate(SfmcEmulatorOptions options, EmulatorAuth auth, EmulatorFaults faults, EmulatorRequestLog log)
{
    private readonly Lock _rateLock = new();
    private DateTimeOffset _windowStart = options.TimeProvider.GetUtcNow();
    private int _windowCount;

    public async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        var request = context.Request;
        var endpoint = context.GetEndpoint();
        if (endpoint?.Metadata.GetMetadata<EmulatorPageMetadata>() is not null && !EmulatorPage.MayAccess(context, options))
        {
            await EmulatorPage.ChallengeAsync(context);
            return;
        }

        if (endpoint?.Metadata.GetMetadata<EmulatorUtilityMetadata>() is not null)
        {
            await next(context);
            return;
        }

        var path = request.Path.Value + request.QueryString.Value;
        var at = options.TimeProvider.GetUtcNow();
        var started = options.TimeProvider.GetTimestamp();
        var capture = log.Begin(context);
        string? outcome = null;
        var soap = endpoint?.Metadata.GetMetadata<SfmcSoapMetadata>() is not null;
        var anonymous = endpoint?.Metadata.GetMetadata<IAllowAnonymous>() is not null;
        var scope = endpoint?.Metadata.GetMetadata<SfmcScopeMetadata>()?.Scope;
        // The largest body this endpoint takes, enforced by Kestrel while the body is read (chunked bodies too):
        // SFMC's 5 MB for the synchronous rowset, MaxRequestBytes elsewhere. Over it: 413 (see AnswerAsync for when
        // the body is read first).
        var limit = endpoint?.Metadata.GetMetadata<SfmcRowsetLimitMetadata>() is not null ? options.MaxPayloadBytes : options.MaxRequestBytes;
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

        if (!dropped)
        {
            // Data an endpoint wrote through the response's pipe reaches the capture when the pipe is flushed.
            await context.Response.BodyWriter.FlushAsync(context.RequestAborted);
        }

        // Logged before the answer completes: a client that has its answer finds its request in the log.
        log.Add(
            new EmulatorRequest(request.Method, path, dropped ? 0 : context.Response.StatusCode, request.ContentLength ?? capture.RequestBody.Total, at)
            {
                Duration = options.TimeProvider.GetElapsedTime(started),
                Outcome = outcome,
            },
            capture,
            context.Response);

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
                    await SfmcResponses.DrainAsync(request, context.RequestAborted);
                }

                await TooLargeAsync(context, soap, limit);
                return false;
            }

            if (faults.Latency > TimeSpan.Zero)
            {
                await Task.Delay(faults.Latency, options.TimeProvider, context.RequestAborted);
            }

            var fault = faults.Take(request.Path.Value ?? "/");
            if (fault is { Drop: true })
            {
                outcome = "dropped";
                await SfmcResponses.DrainAsync(request, context.RequestAborted);
                context.Abort();
                return true;
            }

            if (fault is not null)
            {
                outcome = fault.Blocked || fault.Status == HttpStatusCode.TooManyRequests ? "throttled" : "faulted";
            }

            if (fault is { AfterProcessing: false })
            {
                await SfmcResponses.DrainAsync(request, context.RequestAborted);
                await (soap ? WriteSoapFaultAsync(context, fault) : WriteFaultAsync(context, fault));
            }
            else if (soap && IsRateLimited(out _))
            {
                outcome = "throttled";
                // SOAP throttling is an HTTP 500 fault, not a 429.
                await SfmcResponses.DrainAsync(request, context.RequestAborted);
                await EmulatorSoap.WriteFaultAsync(context, HttpStatusCode.InternalServerError, "soap:Server", "Throttled: too many requests for this account; retry later");
            }
            else if (soap)
            {
                await ProcessAsync(context, next, fault, soap);
            }
            else if (!anonymous && IsRateLimited(out var retryAfter))
            {
                outcome = "throttled";
                await SfmcResponses.DrainAsync(request, context.RequestAborted);
                context.Response.Headers.RetryAfter = retryAfter.ToString(CultureInfo.InvariantCulture);
                await SfmcResponses.WriteErrorAsync(context, HttpStatusCode.TooManyRequests, "Rate limit exceeded", 50100, new { retryAfter });
            }
            else if (!anonymous && !auth.IsAuthorized(request))
            {
                await SfmcResponses.DrainAsync(request, context.RequestAborted);
                await SfmcResponses.WriteErrorAsync(context, HttpStatusCode.Unauthorized, "Not Authorized", 0);
            }
            else if (!anonymous && scope is not null && auth.MissingScope(request, scope) is { } missing)
            {
                await SfmcResponses.DrainAsync(request, context.RequestAborted);
                await SfmcResponses.WriteErrorAsync(context, HttpStatusCode.Forbidden, $"Insufficient privileges to complete this action. The token lacks the scope '{missing}'.", 0);
            }
            else
            {
                await ProcessAsync(context, next, fault, soap);
            }

            return false;
        }
    }

    /// <summary>413 for a body over the endpoint's limit (SFMC's error shape, or a SOAP fault), and the connection closes: the rest of the body is never read.</summary>
    private static Task TooLargeAsync(HttpContext context, bool soap, long limit)
    {
        var message = $"The request body exceeds the maximum of {limit} bytes.";
        return soap
            ? EmulatorSoap.WriteFaultAsync(context, HttpStatusCode.RequestEntityTooLarge, "soap:Client", message)
            : SfmcResponses.WriteErrorAsync(context, HttpStatusCode.RequestEntityTooLarge, message, 10001);
    }

    private bool IsRateLimited(out int retryAfterSeconds)
    {
        retryAfterSeconds = 0;
        var (perWindow, window) = faults.RateLimit;
        if (perWindow is not { } limit)
        {
            return false;
        }

        lock (_rateLock)
        {
            var now = options.TimeProvider.GetUtcNow();
            if (now - _windowStart >= window)
            {
                _windowStart = now;
                _windowCount = 0;
            }

            if (++_windowCount <= limit)
            {
                return false;
            }

            retryAfterSeconds = Math.Max(1, (int)Math.Ceiling((_windowStart + window - now).TotalSeconds));
            return true;
        }
    }

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
            await SfmcResponses.WriteErrorAsync(context, HttpStatusCode.BadRequest, "The request body is not of the shape this endpoint expects: " + ex.Message, 10001);
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

    private static Task WriteFaultAsync(HttpContext context, EmulatorFaults.InjectedFault fault)
    {
        var status = fault.Status;
        if (fault.Blocked)
        {
            return SfmcResponses.WriteErrorAsync(context, status, "Your requests are temporarily blocked.", 50200);
        }

        if (status == HttpStatusCode.TooManyRequests)
        {
            context.Response.Headers.RetryAfter = "1";
            return SfmcResponses.WriteErrorAsync(context, status, "Rate limit exceeded", 50100, new { retryAfter = 1 });
        }

        return SfmcResponses.WriteErrorAsync(context, status, "Injected fault: " + (int)status, 0);
    }
}
