using System;
using System.Diagnostics;
using System.Net;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;

namespace Sfmc.Client;

/// <summary>
/// Innermost handler: points each request at the tenant's <c>rest_instance_url</c>, adds the bearer token, and on a
/// 401 drops the token, gets a new one and replays once (a 401 means nothing was processed, so this is always safe).
/// </summary>
internal sealed class SfmcAuthenticationHandler(SfmcTokenProvider tokens, SfmcTelemetry telemetry, TimeProvider time, ILogger logger) : DelegatingHandler
{
    /// <summary>Requests are built against this placeholder; the handler swaps in the instance URL.</summary>
    internal static readonly Uri Placeholder = new("https://rest.sfmc.invalid/");

    private static readonly HttpRequestOptionsKey<string> RelativePath = new("Sfmc.RelativePath");

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (!request.Options.TryGetValue(RelativePath, out var path))
        {
            path = request.RequestUri!.IsAbsoluteUri ? request.RequestUri.PathAndQuery.TrimStart('/') : request.RequestUri.OriginalString.TrimStart('/');
            request.Options.Set(RelativePath, path);
        }

        var token = await tokens.GetTokenAsync(null, cancellationToken);
        var response = await SendWithTokenAsync(request, token, path, cancellationToken);
        if (response.StatusCode != HttpStatusCode.Unauthorized && !await IsSoapTokenExpiredAsync(request, response, cancellationToken))
        {
            return response;
        }

        Log.Unauthorized(logger, request.Method.Method, "/" + path);
        response.Dispose();
        token = await tokens.GetTokenAsync(rejected: token, cancellationToken);
        return await SendWithTokenAsync(request, token, path, cancellationToken);
    }

    /// <summary>
    /// SOAP says "expired" with HTTP 500 and a fault ("Token Expired"), not 401; that is replayed like a 401.
    /// A throttling fault is flagged on the request context so the retry strategy treats it like a 429.
    /// </summary>
    private async Task<bool> IsSoapTokenExpiredAsync(HttpRequestMessage request, HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (request.Content is not Soap.SoapEnvelopeContent || response.StatusCode != HttpStatusCode.InternalServerError)
        {
            return false;
        }

        var body = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        var fault = Soap.SoapEnvelope.TryReadFault(body);
        if (fault is not null && Soap.SoapEnvelope.IsThrottling(fault))
        {
            CountThrottle(request)?.MarkSoapThrottled();
        }

        return fault is not null && Soap.SoapEnvelope.IsTokenExpired(fault);
    }

    /// <summary>Counts a throttled answer (meter and the request's context); returns the context, if any.</summary>
    private SfmcRequestContext? CountThrottle(HttpRequestMessage request)
    {
        telemetry.Throttles.Add(1);
        if (!request.Options.TryGetValue(SfmcRequestContext.Key, out var context))
        {
            return null;
        }

        context.AddThrottle();
        return context;
    }

    private async Task<HttpResponseMessage> SendWithTokenAsync(HttpRequestMessage request, SfmcToken token, string path, CancellationToken cancellationToken)
    {
        if (request.Content is Soap.SoapEnvelopeContent soap)
        {
            // SOAP carries the token in the envelope's fueloauth header; the endpoint is the token's soap_instance_url.
            soap.AccessToken = token.AccessToken;
            request.RequestUri = new Uri(token.SoapInstanceUrl, "Service.asmx");
            request.Headers.Authorization = null;
        }
        else
        {
            request.RequestUri = new Uri(token.RestInstanceUrl, path);
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token.AccessToken);
        }

        var started = time.GetTimestamp();
        try
        {
            var response = await base.SendAsync(request, cancellationToken);
            var elapsed = time.GetElapsedTime(started);
            var status = (int)response.StatusCode;
            telemetry.Requests.Add(1, new TagList { { "http.request.method", request.Method.Method }, { "http.response.status_code", status } });
            telemetry.RequestDuration.Record(elapsed.TotalSeconds);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                CountThrottle(request);
            }

            Log.RequestCompleted(logger, request.Method.Method, "/" + path, status, (long)elapsed.TotalMilliseconds);
            return response;
        }
        catch (HttpRequestException)
        {
            telemetry.Requests.Add(1, new TagList { { "http.request.method", request.Method.Method }, { "error.type", "connection" } });
            throw;
        }
    }
}
