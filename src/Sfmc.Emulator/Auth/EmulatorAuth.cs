using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Sfmc.Emulator;

/// <summary>A token the emulator issued: the client id that asked, the account (MID) and scope it asked for, when.</summary>
/// <param name="ClientId">The client id of the token request.</param>
/// <param name="AccountId">The <c>account_id</c> (MID) asked for; null when the request named none.</param>
/// <param name="Scope">The scope asked for; null when the request named none.</param>
/// <param name="At">When it was issued (emulator's TimeProvider).</param>
public sealed record EmulatorTokenGrant(string ClientId, string? AccountId, string? Scope, DateTimeOffset At);

/// <summary>
/// The token endpoint (<c>POST /v2/token</c>, client credentials as JSON or a form) and the tokens it issued: whether
/// a REST bearer or a SOAP <c>fueloauth</c> token is valid, expired or unknown, its scopes, and its account (MID).
/// </summary>
internal sealed class EmulatorAuth(SfmcEmulatorOptions options, Func<Uri> baseUri)
{
    private readonly ConcurrentDictionary<string, Token> _tokens = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, bool> _expired = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _issued = new();
    private readonly ConcurrentQueue<EmulatorTokenGrant> _grants = new();
    private long _tokenRequests;

    public long TokenRequests => Interlocked.Read(ref _tokenRequests);

    public IReadOnlyList<EmulatorTokenGrant> Grants => _grants.ToArray();

    public IReadOnlyCollection<string> Issued => _issued.ToArray();

    public void Map(IEndpointRouteBuilder routes) =>
        routes.MapPost("/v2/token", IssueTokenAsync).AllowAnonymous();

    /// <summary>Every token now known is expired: REST sees an unknown token (401); SOAP answers "Token Expired", as SFMC does.</summary>
    public void ExpireAll()
    {
        foreach (var token in _tokens.Keys)
        {
            _expired[token] = true;
        }

        _tokens.Clear();
    }

    /// <summary>A bearer token the emulator issued and that has not expired.</summary>
    public bool IsAuthorized(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        return header.StartsWith("Bearer ", StringComparison.Ordinal)
            && _tokens.TryGetValue(header["Bearer ".Length..], out var token)
            && token.ExpiresAt > options.TimeProvider.GetUtcNow();
    }

    /// <summary><paramref name="needed"/> when the request's token was issued for scopes that lack it; else null.</summary>
    public string? MissingScope(HttpRequest request, string needed)
    {
        var header = request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.Ordinal) || !_tokens.TryGetValue(header["Bearer ".Length..], out var token) || token.Scope is null)
        {
            return null;
        }

        return token.Scope.Split(' ', StringSplitOptions.RemoveEmptyEntries).Contains(needed, StringComparer.Ordinal) ? null : needed;
    }

    /// <summary>The business unit (MID) a token was issued for: its <c>account_id</c>, else the package's own.</summary>
    public string AccountOf(string? token) =>
        token is not null && _tokens.TryGetValue(token, out var known) && !string.IsNullOrWhiteSpace(known.AccountId) ? known.AccountId.Trim() : options.AccountId;

    public TokenState SoapTokenState(string? token)
    {
        if (token is null)
        {
            return TokenState.Unknown;
        }

        if (_tokens.TryGetValue(token, out var known))
        {
            return known.ExpiresAt > options.TimeProvider.GetUtcNow() ? TokenState.Valid : TokenState.Expired;
        }

        return _expired.ContainsKey(token) ? TokenState.Expired : TokenState.Unknown;
    }

    private async Task IssueTokenAsync(HttpContext context)
    {
        Dictionary<string, string?> body;
        if (context.Request.HasFormContentType)
        {
            try
            {
                var form = await context.Request.ReadFormAsync(context.RequestAborted);
                body = form.ToDictionary(f => f.Key, f => (string?)f.Value.ToString(), StringComparer.Ordinal);
            }
            catch (InvalidDataException)
            {
                await SfmcResponses.WriteJsonAsync(context, HttpStatusCode.BadRequest, new { error = "invalid_request", error_description = "The request body is not a valid form.", error_uri = "https://developer.salesforce.com/docs" });
                return;
            }
        }
        else if (await ReadTokenJsonAsync(context) is { } json)
        {
            body = json;
        }
        else
        {
            await SfmcResponses.WriteJsonAsync(context, HttpStatusCode.BadRequest, new { error = "invalid_request", error_description = "The request body is not a JSON object of client_id, client_secret, grant_type, account_id and scope.", error_uri = "https://developer.salesforce.com/docs" });
            return;
        }

        if (body.GetValueOrDefault("grant_type") != "client_credentials")
        {
            await SfmcResponses.WriteJsonAsync(context, HttpStatusCode.BadRequest, new { error = "unsupported_grant_type", error_description = "Use grant_type client_credentials.", error_uri = "https://developer.salesforce.com/docs" });
            return;
        }

        if (body.GetValueOrDefault("client_id") != options.ClientId || body.GetValueOrDefault("client_secret") != options.ClientSecret)
        {
            await SfmcResponses.WriteJsonAsync(context, HttpStatusCode.Unauthorized, new { error = "invalid_client", error_description = "Invalid client ID. Use the client ID in Marketing Cloud Installed Packages.", error_uri = "https://developer.salesforce.com/docs" });
            return;
        }

        Interlocked.Increment(ref _tokenRequests);
        var token = Convert.ToHexString(RandomNumberGenerator.GetBytes(32));
        _issued.Enqueue(token);
        _grants.Enqueue(new EmulatorTokenGrant(options.ClientId, body.GetValueOrDefault("account_id"), body.GetValueOrDefault("scope"), options.TimeProvider.GetUtcNow()));
        _tokens[token] = new Token(options.TimeProvider.GetUtcNow().AddSeconds(options.TokenLifetimeSeconds), body.GetValueOrDefault("account_id"), body.GetValueOrDefault("scope"));
        await SfmcResponses.WriteJsonAsync(context, HttpStatusCode.OK, new Dictionary<string, object?>
        {
            ["access_token"] = token,
            ["token_type"] = "Bearer",
            ["expires_in"] = options.TokenLifetimeSeconds,
            ["scope"] = body.GetValueOrDefault("scope") ?? "data_extensions_read data_extensions_write",
            ["soap_instance_url"] = (options.InstanceUrlOverride ?? baseUri()).ToString(),
            ["rest_instance_url"] = (options.InstanceUrlOverride ?? baseUri()).ToString(),
        });
    }

    /// <summary>
    /// A JSON token request as name → text; null when it is not a JSON object of scalars. SFMC takes <c>account_id</c> as a
    /// number or a string (mcdev sends a number), so numbers are kept as written.
    /// </summary>
    private static async Task<Dictionary<string, string?>?> ReadTokenJsonAsync(HttpContext context)
    {
        try
        {
            using var document = await JsonDocument.ParseAsync(context.Request.Body, default, context.RequestAborted);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                return null;
            }

            var body = new Dictionary<string, string?>(StringComparer.Ordinal);
            foreach (var property in document.RootElement.EnumerateObject())
            {
                switch (property.Value.ValueKind)
                {
                    case JsonValueKind.String:
                        body[property.Name] = property.Value.GetString();
                        break;
                    case JsonValueKind.Number:
                        body[property.Name] = property.Value.GetRawText();
                        break;
                    case JsonValueKind.Null:
                        body[property.Name] = null;
                        break;
                    default:
                        return null;
                }
            }

            return body;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private sealed record Token(DateTimeOffset ExpiresAt, string? AccountId, string? Scope);
}

internal enum TokenState
{
    Valid,
    Expired,
    Unknown,
}
