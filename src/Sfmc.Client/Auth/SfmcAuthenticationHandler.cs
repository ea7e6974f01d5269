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
        var fault = await ReadSoapFaultAsync(request, response, cancellationToken);

        // SOAP says "expired" with HTTP 500 and a fault ("Token Expired"), not 401; it is replayed like a 401.
        if (response.StatusCode == HttpStatusCode.Unauthorized || (fault is not null && Soap.SoapEnvelope.IsTokenExpired(fault)))
        {
            Log.Unauthorized(logger, request.Method.Method, "/" + path);
            response.Dispose();
            token = await tokens.GetTokenAsync(rejected: token, cancellationToken);
            response = await SendWithTokenAsync(request, token, path, cancellationToken);
            fault = await ReadSoapFaultAsync(request, response, cancellationToken);
        }

        // The retry strategy cannot read the body; the fault's kind travels on the request context.
        if (fault is not null)
        {
            if (Soap.SoapEnvelope.IsThrottling(fault))
            {
                CountThrottle(request)?.MarkSoapFault(SoapFaultKind.Throttled);
            }
            else if (Soap.SoapEnvelope.IsRequestFault(fault) && request.Options.TryGetValue(SfmcRequestContext.Key, out var context))
            {
                context.MarkSoapFault(SoapFaultKind.Permanent);
            }
        }

        return response;
    }

    /// <summary>The fault of a SOAP call's HTTP 500 answer (the body is buffered, so the caller still reads it); else null.</summary>
    private static async Task<Soap.SoapFault?> ReadSoapFaultAsync(HttpRequestMessage request, HttpResponseMessage response, CancellationToken cancellationToken) =>
        request.Content is Soap.SoapEnvelopeContent && response.StatusCode == HttpStatusCode.InternalServerError
            ? Soap.SoapEnvelope.TryReadFault(await SfmcBufferedContent.ReadBytesAsync(response.Content, cancellationToken))
            : null;

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
