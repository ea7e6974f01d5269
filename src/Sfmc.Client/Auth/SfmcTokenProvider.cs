using System;
using System.Net;
using System.Net.Http;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;

namespace Sfmc.Client;

/// <summary>
/// Gets and caches the access token of one client: refreshed <see cref="SfmcClientOptions.TokenRefreshMargin"/> before
/// <c>expires_in</c> runs out, single-flight (concurrent callers share one token request), shared through the
/// <see cref="ISfmcTokenStore"/>. No static state: each named client has its own provider.
/// </summary>
internal sealed class SfmcTokenProvider
{
    private readonly string _clientName;
    private readonly SfmcClientOptions _options;
    private readonly Func<HttpClient> _http;
    private readonly ISfmcTokenStore _store;
    private readonly TimeProvider _time;
    private readonly SfmcTelemetry _telemetry;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly string _key;
    private SfmcToken? _current;

    /// <summary>The client in messages: its registration name, else (the default registration) its client id, which is not a secret.</summary>
    private string Who => _clientName.Length > 0 ? $"client '{_clientName}'" : $"client id '{_options.ClientId}'";

    public SfmcTokenProvider(string clientName, SfmcClientOptions options, Func<HttpClient> http, ISfmcTokenStore store, TimeProvider time, SfmcTelemetry telemetry, ILogger logger)
    {
        _clientName = clientName;
        _options = options;
        _http = http;
        _store = store;
        _time = time;
        _telemetry = telemetry;
        _logger = logger;
        _key = $"sfmc-token|{options.AuthBaseUri!.GetLeftPart(UriPartial.Authority).ToLowerInvariant()}|{options.ClientId}|{options.AccountId}";
    }

    /// <summary>The store key: one per (auth base, client id, account id).</summary>
    public string StoreKey => _key;

    /// <summary>A valid token. Pass the token SFMC just refused as <paramref name="rejected"/> to force a new one.</summary>
    public async ValueTask<SfmcToken> GetTokenAsync(SfmcToken? rejected, CancellationToken cancellationToken)
    {
        var current = _current;
        if (IsUsable(current, rejected))
        {
            return current!;
        }

        await _gate.WaitAsync(cancellationToken);
        try
        {
            current = _current;
            if (IsUsable(current, rejected))
            {
                return current!;
            }

            var stored = await _store.GetAsync(_key, cancellationToken);
            if (IsUsable(stored, rejected))
            {
                _current = stored;
                return stored!;
            }

            var fresh = await RequestTokenAsync(cancellationToken);
            _current = fresh;
            await _store.SetAsync(_key, fresh, cancellationToken);
            return fresh;
        }
        finally
        {
            _gate.Release();
        }
    }

    private bool IsUsable(SfmcToken? token, SfmcToken? rejected) =>
        token is not null
        && (rejected is null || token.AccessToken != rejected.AccessToken)
        && _time.GetUtcNow() < token.ExpiresAt - _options.TokenRefreshMargin;

    private async Task<SfmcToken> RequestTokenAsync(CancellationToken cancellationToken)
    {
        var credentials = SfmcClient.Json(writer =>
        {
            writer.WriteStartObject();
            writer.WriteString("grant_type", "client_credentials");
            writer.WriteString("client_id", _options.ClientId);
            writer.WriteString("client_secret", _options.ClientSecret);
            if (!string.IsNullOrEmpty(_options.AccountId))
            {
                writer.WriteString("account_id", _options.AccountId);
            }

            if (_options.Scope is not null)
            {
                writer.WriteString("scope", _options.Scope);
            }

            writer.WriteEndObject();
        });

        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(_options.AuthBaseUri!, "v2/token"))
        {
            Content = SfmcClient.JsonContent(credentials),
        };
        var issuedAt = _time.GetUtcNow();
        HttpResponseMessage response;
        try
        {
            // A client per request from IHttpClientFactory, so its handlers rotate (DNS changes are picked up).
            response = await _http().SendAsync(request, cancellationToken);
        }
        catch (HttpRequestException ex)
        {
            throw new SfmcTransientException($"The SFMC token endpoint {_options.AuthBaseUri!.GetLeftPart(UriPartial.Authority)} could not be reached.", null, ex);
        }

        using (response)
        {
            var body = await SfmcBufferedContent.ReadBytesAsync(response.Content, cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                var detail = "";
                try
                {
                    using var error = JsonDocument.Parse(body);
                    detail = $" {Text(error.RootElement, "error")}: {Text(error.RootElement, "error_description")}";
                }
                catch (JsonException)
                {
                }

                var message = $"SFMC refused the token request for {Who} ({(int)response.StatusCode}).{detail}";
                throw response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.BadRequest or HttpStatusCode.Forbidden
                    ? new SfmcAuthenticationException(message, response.StatusCode)
                    : new SfmcTransientException(message, response.StatusCode);
            }

            JsonDocument document;
            try
            {
                document = JsonDocument.Parse(body);
            }
            catch (JsonException ex)
            {
                throw new SfmcResponseFormatException($"The SFMC token response for {Who} is not JSON: {SfmcException.Clip(ex.Message)}", ex);
            }

            using var parsed = document;
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new SfmcResponseFormatException($"The SFMC token response for {Who} is not a JSON object.");
            }

            var expiresIn = root.TryGetProperty("expires_in", out var e) && e.ValueKind == JsonValueKind.Number && e.TryGetInt32(out var seconds) ? seconds : 0;
            var token = Text(root, "access_token");
            if (string.IsNullOrEmpty(token) || expiresIn <= 0)
            {
                throw new SfmcAuthenticationException($"The SFMC token response for {Who} has no access_token or expires_in.");
            }

            var rest = InstanceUrl(root, "rest_instance_url");
            var soap = InstanceUrl(root, "soap_instance_url");
            _telemetry.TokenRefreshes.Add(1);
            Log.TokenObtained(_logger, _clientName, expiresIn);
            return new SfmcToken(token!, issuedAt.AddSeconds(expiresIn), rest, soap, Text(root, "scope"));
        }
    }

    private Uri InstanceUrl(JsonElement root, string name)
    {
        var text = Text(root, name);
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri))
        {
            throw new SfmcAuthenticationException($"The SFMC token response has no valid {name}.");
        }

        if (!SfmcEndpoints.IsAllowed(uri, _options.AllowedHostSuffix))
        {
            throw new SfmcAuthenticationException(
                $"The SFMC token response's {name} '{uri.GetLeftPart(UriPartial.Authority)}' is not https on a host ending with '{_options.AllowedHostSuffix}'; refusing to send the token there.");
        }

        return text!.EndsWith('/') ? uri : new Uri(text + "/");
    }

    private static string? Text(JsonElement root, string name) =>
        root.ValueKind == JsonValueKind.Object && root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
