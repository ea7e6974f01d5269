using System;
using System.Net;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;

namespace Sfmc.Client;

/// <summary>
/// Tokens and URLs, per attempt: points each request at the tenant's <c>rest_instance_url</c> (SOAP: its
/// <c>soap_instance_url</c>, the token in the envelope), adds the bearer token, and on a 401 (SOAP: a "Token Expired"
/// fault) drops the token, gets a new one and replays once (nothing was processed, so this is always safe). Retrying,
/// measuring and reading the body are the pipeline's (see <see cref="SfmcResilience"/>).
/// </summary>
internal sealed class SfmcAuthenticationHandler(SfmcTokenProvider tokens, ILogger logger) : DelegatingHandler
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

        // SOAP says "expired" with HTTP 500 and a fault ("Token Expired"), not 401; it is replayed like a 401.
        if (response.StatusCode == HttpStatusCode.Unauthorized
            || (response.StatusCode == HttpStatusCode.InternalServerError && SfmcAnswer.SoapFaultOf(request, response) is { } fault && Soap.SoapEnvelope.IsTokenExpired(fault)))
        {
            Log.Unauthorized(logger, request.Method.Method, "/" + path);
            response.Dispose();
            token = await tokens.GetTokenAsync(rejected: token, cancellationToken);
            response = await SendWithTokenAsync(request, token, path, cancellationToken);
        }

        return response;
    }

    private Task<HttpResponseMessage> SendWithTokenAsync(HttpRequestMessage request, SfmcToken token, string path, CancellationToken cancellationToken)
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

        return base.SendAsync(request, cancellationToken);
    }
}
