using System;

namespace Sfmc.Client;

/// <summary>An access token and the instance URLs it came with. <see cref="ToString"/> never shows the token.</summary>
public sealed class SfmcToken
{
    /// <summary>Creates a token.</summary>
    public SfmcToken(string accessToken, DateTimeOffset expiresAt, Uri restInstanceUrl, Uri soapInstanceUrl, string? scope)
    {
        AccessToken = accessToken;
        ExpiresAt = expiresAt;
        RestInstanceUrl = restInstanceUrl;
        SoapInstanceUrl = soapInstanceUrl;
        Scope = scope;
    }

    /// <summary>The bearer token (secret).</summary>
    public string AccessToken { get; }

    /// <summary>When it expires: the time it was issued plus <c>expires_in</c>.</summary>
    public DateTimeOffset ExpiresAt { get; }

    /// <summary>The tenant's REST base URL, from the token response.</summary>
    public Uri RestInstanceUrl { get; }

    /// <summary>The tenant's SOAP base URL, from the token response.</summary>
    public Uri SoapInstanceUrl { get; }

    /// <summary>The scopes granted.</summary>
    public string? Scope { get; }

    /// <inheritdoc />
    public override string ToString() => $"SfmcToken(expires {ExpiresAt:O}, rest {RestInstanceUrl.Host}, token redacted)";
}
